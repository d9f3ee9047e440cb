"""Bad inputs an outside tester tries on graphs, ratings, records and the neural methods: each
was a crash, a hang or a silent wrong result, and is now refused with one clear message naming
the file, line, column or id, what was expected and what came. Small files, real code paths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab import methods
from embedlab.analysis.clustering import cluster_vectors
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.graphs import build_graph, read_edge_list
from embedlab.io.interactions import InteractionColumns, read_interactions
from embedlab.methods.graph import GraphInput, Node2Vec
from embedlab.methods.neural import ConvAutoencoder, MLPAutoencoder
from embedlab.methods.transformer import MiniLM
from embedlab.pipeline.append import append as append_rows
from embedlab.pipeline.corrections import read_corrections
from embedlab.pipeline.embed import embed
from embedlab.pipeline.entity import categories, evaluate_target
from embedlab.pipeline.ingest import GraphOptions, ingest
from embedlab.pipeline.interactions import InteractionOptions
from embedlab.pipeline.project import project_space
from embedlab.pipeline.project_update import update_projection
from embedlab.pipeline.recommend import evaluate_recommendations, recommend
from embedlab.pipeline.subset import subset
from embedlab.pipeline.tokens import token_dataset
from embedlab.pipeline.words import train_words
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- graphs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a,b,1e40\n", "is over 3.4e+38, the largest weight stored: got '1e40'"),
        ("a,b,inf\n", "is not a finite number: got 'inf'"),
        ("a,b,\n", "is empty: got an empty cell"),  # was: "is not a number: got nan"
    ],
)
def test_a_weight_float32_cannot_hold_is_refused_with_its_line(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = write(tmp_path, "w.csv", "source,target,w\nb,c,2\n" + text)
    with pytest.raises(InvalidInputError, match=re.escape(fragment)) as info:
        read_edge_list(path, weight="w")
    assert "line 3 of" in str(info.value)


def test_duplicate_edges_summing_past_float32_are_refused(tmp_path: Path) -> None:
    # each weight fits, their sum does not: it was stored as inf and the spectral map was zeros
    path = write(tmp_path, "w.csv", "source,target,w\na,b,3e38\nb,a,3e38\nb,c,2\n")
    with pytest.raises(InvalidInputError, match="between nodes 'a' and 'b' in .*w.csv' sum to"):
        build_graph(read_edge_list(path, weight="w"))
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(InvalidInputError):
        ingest(ws, "g", path, graph=GraphOptions(weight="w"))
    assert not ws.has_dataset("g")


def test_a_graph_option_alone_names_the_default_edge_columns(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # `ingest g table.csv --directed` said Column 'source' was "given with --edges"
    path = write(tmp_path, "t.csv", "a,b\nx,y\n")
    code, _, err = run("ingest", "g", str(path), "--directed")
    assert_clear_error(code, err, "Column 'source' (given with --edges, by default source,target)")


@pytest.mark.parametrize(("name", "value"), [("p", float("inf")), ("p", 1e9), ("q", 0.0001)])
def test_node2vec_bias_that_would_hang_the_walks_is_refused(name: str, value: float) -> None:
    # p=inf: a walk at a leaf can only step back, which p=inf never accepts (an endless loop)
    leaf = GraphInput.from_edges([0], [1], n_nodes=2)
    with pytest.raises(InvalidInputError, match=rf"'{name}' parameter of Node2Vec must be a flo"):
        Node2Vec(**{name: value}, walk_length=5, num_walks=1, dimensions=4).fit(leaf)
    vectors = Node2Vec(p=100.0, q=0.01, walk_length=5, num_walks=1, dimensions=4, workers=1)
    assert np.isfinite(vectors.fit_transform(leaf)).all()  # the bounds themselves still walk


# -- ratings --------------------------------------------------------------------------------


def ratings_options(spec: str = "user,item,stars", ts: str | None = None) -> InteractionOptions:
    return InteractionOptions(InteractionColumns.parse(spec, ts))


@pytest.mark.parametrize(
    ("stamps", "fragment"),
    [
        # 'yesterday' was counted with the 2 numbers as "3 such row(s)"
        (("yesterday", "2", "3"), "is neither a number nor a date: got 'yesterday' (1 such row"),
        # a number beside dates was called "neither a number nor a date"
        (("2024-01-01", "1700000000", "2024-01-03"), "mix numbers and dates: '1700000000' at"),
    ],
)
def test_timestamps_name_what_is_wrong_with_them(
    tmp_path: Path, stamps: tuple[str, ...], fragment: str
) -> None:
    rows = "".join(f"u{i},i{i},4,{s}\n" for i, s in enumerate(stamps))
    path = write(tmp_path, "r.csv", "user,item,stars,ts\n" + rows)
    with pytest.raises(InvalidInputError, match=re.escape(fragment)) as info:
        read_interactions(path, InteractionColumns.parse("user,item,stars", "ts"))
    assert "line 2 of" in str(info.value) or "line 3 of" in str(info.value)


def test_an_empty_rating_or_timestamp_is_called_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "user,item,stars,ts\nu1,a,5,1\nu1,b,,\n")
    with pytest.raises(InvalidInputError, match="line 3 of .* got an empty cell"):  # was "nan"
        read_interactions(path, InteractionColumns.parse("user,item,stars"))
    with pytest.raises(InvalidInputError, match="nor a date: got an empty cell"):  # was "nan"
        read_interactions(path, InteractionColumns.parse("user,item", "ts"))


@pytest.mark.parametrize(
    ("id", "fragment"),
    [
        (None, "items.csv' has no 'id' column: pass --id COLUMN"),
        ("@row", "items.csv', but the interactions name items by id: pass --id COLUMN"),
    ],
)
def test_an_items_file_without_its_id_column_says_so(
    tmp_path: Path, id: str | None, fragment: str
) -> None:
    # every interaction was said to name an item "which is not in 'items.csv'" though it was
    ratings = write(tmp_path, "r.csv", "user,item,stars\nu1,i1,5\nu2,i2,3\n")
    write(tmp_path, "items.csv", "item,title\ni1,One\ni2,Two\n")
    options = InteractionOptions(
        InteractionColumns.parse("user,item,stars"), tmp_path / "items.csv"
    )
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(InvalidInputError, match=re.escape(fragment)):
        ingest(ws, "films", ratings, interactions=options, id=id)
    assert not ws.has_dataset("films")
    assert ingest(ws, "films", ratings, interactions=options, id="item").n_items == 2


@pytest.fixture(scope="module")
def ratings_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("ratings")
    ws = Workspace(root / "ws")
    rows = "u1,a,5\nu1,b,4\nu2,a,3\nu2,c,2\nu3,b,4\nu3,d,1\n"
    ingest(
        ws,
        "films",
        write(root, "r.csv", "user,item,stars\n" + rows),
        interactions=ratings_options(),
    )
    one_each = "u1,a,5\nu2,b,4\nu3,a,3\nu4,c,2\n"
    path = write(root, "one.csv", "user,item,stars\n" + one_each)
    ingest(ws, "single", path, interactions=ratings_options())
    for name in ("films", "single"):
        embed(ws, name, "svd", params={"factors": 2})
    return ws


def test_evaluate_recommend_with_k_beyond_the_catalogue_is_refused(ratings_ws: Workspace) -> None:
    # the lists were cut to the 4 items and the figures still printed as precision@10
    with pytest.raises(InvalidInputError, match=r"-k 10 is not below the 4 items of 'films'"):
        evaluate_recommendations(ratings_ws, "films", k=10)
    assert evaluate_recommendations(ratings_ws, "films", k=2).results[0].k == 2


def test_evaluate_recommend_says_why_nothing_is_held_out(ratings_ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match=r"No user of 'single' has two or more inter"):
        evaluate_recommendations(ratings_ws, "single", k=2)


@pytest.mark.parametrize("dataset", ["films", "films-users"])
def test_ratings_datasets_take_no_appended_rows_or_subsets(
    ratings_ws: Workspace, tmp_path: Path, dataset: str
) -> None:
    # both went through: an appended item had no interactions and the stored ones went stale
    more = write(tmp_path, "more.csv", "id,n_interactions,mean_rating\nz,1,4.0\n")
    before = ratings_ws.catalog.version()
    with pytest.raises(InvalidInputError, match=f"'{dataset}' holds the (items|users) of ratings"):
        append_rows(ratings_ws, dataset, more)
    with pytest.raises(InvalidInputError, match=f"'{dataset}' holds the (items|users) of ratings"):
        subset(ratings_ws, dataset, "part", rows=[0])
    assert ratings_ws.catalog.version() == before


# -- records --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("records")
    rows = "".join(f"r{i},{'red' if i % 2 else 'blue'},u{i},{i % 3}\n" for i in range(30))
    ws = Workspace(root / "ws")
    ingest(ws, "rec", write(root, "rec.csv", "id,color,code,n\n" + rows))
    return ws


def test_evaluate_target_of_ids_is_refused_not_scored_zero(records_ws: Workspace) -> None:
    # it printed accuracy 0.0000 for every encoding and model
    with pytest.raises(InvalidInputError, match="Each of the 30 labelled rows has a class of its"):
        evaluate_target(records_ws, "rec", "code", columns=["color", "n"])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"target": "code"}, "--param target=code (given for the entity fit) conflicts with --ta"),
        ({"seed": "3"}, "--param seed=3 (given for the entity fit) conflicts with --seed 0"),
    ],
)
def test_evaluate_target_refuses_entity_params_its_options_override(
    records_ws: Workspace, params: dict[str, str], fragment: str
) -> None:
    # both were silently replaced by --target and --seed
    with pytest.raises(InvalidInputError, match=re.escape(fragment)):
        evaluate_target(records_ws, "rec", "n", columns=["color"], entity_params=params)


def test_empty_columns_name_no_column_instead_of_every_column(run, records_ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    # --columns '' (and columns=[]) embedded or evaluated every column
    with pytest.raises(InvalidInputError, match="--columns names no column"):
        embed(records_ws, "rec", "pca", columns=[], space="none")
    with pytest.raises(InvalidInputError, match="The list of input columns is empty"):
        evaluate_target(records_ws, "rec", "n", columns=[])  # the API's "columns": []
    code, _, err = run("embed", "rec", "--method", "pca", "--columns", "", ws=records_ws.path)
    assert_clear_error(code, err, "Dataset 'rec' has no column ''")
    code, _, err = run("evaluate", "rec", "--target", "n", "--columns", "", ws=records_ws.path)
    assert_clear_error(code, err, "Dataset 'rec' has no input column ''")
    assert "none" not in records_ws.space_names("rec") and "pca" not in records_ws.space_names(
        "rec"
    )


# -- neural methods and their parameters ----------------------------------------------------

NUMBERS = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"seed": -1}, "'seed' parameter of MLPAutoencoder must be an int in [0, 4294967295]"),
        ({"dims": 4}, "'dims' parameter of MLPAutoencoder must be at most the 3 input column"),
    ],
)
def test_mlp_autoencoder_parameters_out_of_range_are_refused(
    params: dict[str, int], fragment: str
) -> None:
    # seed=-1 crashed in numpy (exit 1); dims=100 on 3 columns trained a 100-d "embedding"
    with pytest.raises(InvalidInputError, match=re.escape(fragment)):
        MLPAutoencoder(epochs=1, **params).fit(NUMBERS)
    assert MLPAutoencoder(dims=3, epochs=1).fit(NUMBERS).transform(NUMBERS).shape == (12, 3)


def test_an_image_autoencoder_wider_than_its_pixels_is_refused() -> None:
    images = [Image.fromarray(np.full((8, 8), 40 * i, dtype=np.uint8)) for i in range(6)]
    with pytest.raises(InvalidInputError, match="at most the 64 pixel values of a 8x8 grey image"):
        ConvAutoencoder(dims=65, epochs=1).fit(images)  # was a 65-d copy of 64 pixels


def test_valid_parameters_list_dims_once_and_only_where_it_applies() -> None:
    # 'dims' was listed twice for mlp-autoencoder, and listed for pca, which refuses it
    with pytest.raises(InvalidInputError) as own:
        methods.get("mlp-autoencoder").from_params({"lr": "1"})
    assert str(own.value).count("'dims'") == 1
    with pytest.raises(InvalidInputError) as numeric:
        methods.get("pca").from_params({"long": "chunk"})
    assert "has no parameter 'long'" in str(numeric.value) and "'dims'" not in str(numeric.value)
    with pytest.raises(InvalidInputError) as text:
        methods.get("tfidf-svd").from_params({"lng": "chunk"})
    assert "'dims'" in str(text.value)  # a text method takes it


# -- growing a dataset ------------------------------------------------------------------------


def test_the_embed_command_suggested_for_new_items_keeps_the_fit_and_the_map(
    tmp_path: Path,
) -> None:
    # the suggestion named only the method: run as printed, it refit the space with the
    # default parameters (256-d instead of 6) and dropped the map it was meant to extend
    rows = "".join(f"d{i},{w} word{i % 4} text{i % 3},x\n" for i, w in enumerate(["a b"] * 24))
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "docs", write(tmp_path, "d.csv", "id,text,label\n" + rows))
    embed(ws, "docs", "tfidf-svd", params={"min_df": 1, "n_components": 3})
    project_space(ws, "docs", "tfidf-svd", method="pca")
    append_rows(ws, "docs", write(tmp_path, "more.csv", "id,text,label\nn1,a word1 text2,x\n"))
    with pytest.raises(InvalidInputError) as info:
        update_projection(ws, "docs", "tfidf-svd", method="pca")
    command = re.search(r"`(embedlab embed [^`]+)`", str(info.value))
    assert command is not None
    assert command.group(1) == (
        "embedlab embed docs --method tfidf-svd --space tfidf-svd --param min_df=1 "
        "--param n_components=3"
    )
    params = dict(p.split("=") for p in re.findall(r"--param (\S+)", command.group(1)))
    embed(ws, "docs", "tfidf-svd", params=params)  # as the message says: grows, keeps the map
    assert update_projection(ws, "docs", "tfidf-svd", method="pca").n_placed == 1


# -- the previous probe's "found and left" ----------------------------------------------------


def test_an_empty_corrections_column_is_refused_not_the_label_column(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,issue,given,suggestion\na,label_issue,x,y\n")
    with pytest.raises(InvalidInputError, match="--column is empty; expected the name"):
        read_corrections(path, "")  # picked 'suggestion' and recorded the correction
    assert read_corrections(path).corrections == {"a": "y"}


def test_an_unknown_pretrained_source_is_named_before_a_vocabulary_conflict(
    tmp_path: Path,
) -> None:
    rows = "".join(f"d{i},the cat sat on the mat {i}\n" for i in range(6))
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "c", write(tmp_path, "c.csv", "id,text\n" + rows))
    train_words(ws, "c", "onehot", params={"min_count": 1})
    # was: "holds the vocabulary of spaces onehot, made with other vocabulary options"
    with pytest.raises(NotFoundError, match="Pretrained vectors 'nope': no such file"):
        train_words(ws, "c", "pretrained", params={"source": "nope"})
    assert ws.space_names("c-words") == ["onehot"]


def test_tokens_by_elmo_names_the_elmo_space_stored_under_another_name(tmp_path: Path) -> None:
    # it said "No space 'elmo'... Did you mean 'lm'? Make one with `embedlab embed`"
    rows = "".join(f"d{i},they play the game and we play music {i}\n" for i in range(12))
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "c", write(tmp_path, "c.csv", "id,text\n" + rows))
    params = {"dim": 8, "max_epochs": 1, "min_count": 1, "batch_size": 8}
    embed(ws, "c", "elmo", space="lm", params=params)
    with pytest.raises(NotFoundError, match=r"its ELMo space\(s\): 'lm'\. Pass one with --space"):
        token_dataset(ws, "c", "play", "elmo")
    assert token_dataset(ws, "c", "play", "elmo", space="lm").n_occurrences == 24


# -- clusters -------------------------------------------------------------------------------


def test_clusters_come_out_as_many_as_asked_for() -> None:
    # mini-batch k-means left clusters empty: -k 33 on 33 items gave 24, -k 4 on 4 gave 3
    points = np.random.default_rng(0).normal(size=(33, 6)).astype(np.float32)
    for k in (4, 33):
        assert len(np.unique(cluster_vectors(points, n_clusters=k))) == k
    twins = np.repeat(points[:3], 4, axis=0)  # 12 items, 3 distinct directions
    with pytest.raises(InvalidInputError, match="12 items have only 3 distinct directions"):
        cluster_vectors(twins, n_clusters=5)


def test_recommend_to_a_user_who_has_seen_everything_says_so(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # it printed an empty table
    path = write(tmp_path, "r.csv", "user,item,stars\nu1,a,5\nu1,b,4\nu2,a,3\nu3,b,2\n")
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "all", path, interactions=ratings_options())
    embed(ws, "all", "svd", params={"factors": 1})
    code, out, err = run("recommend", "all", "svd", "--user", "u1", ws=ws.path)
    assert code == 0, err
    assert "User 'u1' has seen every one of the 2 items of 'all': nothing is left" in out


def test_a_negative_chunk_overlap_is_refused_even_when_truncating() -> None:
    # long=truncate accepted chunk_overlap=-1 and said nothing
    with pytest.raises(
        InvalidInputError, match=r"'chunk_overlap' parameter of MiniLM must be an int >= 0"
    ):
        MiniLM(chunk_overlap=-1).fit()
    MiniLM(max_length=16, chunk_overlap=8).fit()  # over half the window: ignored when truncating


def test_a_categories_dataset_takes_no_appended_rows(records_ws: Workspace, tmp_path: Path) -> None:
    # the row went in; its space then asked for an entity embed of the categories dataset
    embed(
        records_ws,
        "rec",
        "entity",
        space="ent",
        columns=["color"],
        params={"target": "n", "epochs": 2},
    )
    made = categories(records_ws, "rec", "ent", "color")
    more = write(tmp_path, "more.csv", "id,value,count,mean_n\nzz,zz,1,2.0\n")
    with pytest.raises(InvalidInputError, match="holds the values of column 'color' \\(made by"):
        append_rows(records_ws, made.dataset, more)
    assert len(records_ws.dataset(made.dataset)) == made.n_items


@pytest.mark.parametrize("user", ["U1", " u1"])
def test_an_unknown_user_differing_in_case_or_spaces_is_pointed_to(
    ratings_ws: Workspace, user: str
) -> None:
    # no hint came for 'U1': difflib's ratio of 'U1' to 'u1' is 0.5
    with pytest.raises(NotFoundError, match=r"No user .* Did you mean 'u1'\?"):
        recommend(ratings_ws, "films", "svd", user)
