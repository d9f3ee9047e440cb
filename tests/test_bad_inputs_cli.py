"""Bad inputs an outside tester tries on the commands: each is refused with one clear line
(exit 2) naming what was wrong, and nothing stored is changed. One small real workspace (30
topic texts with a numeric column, a TF-IDF/SVD space, a word2vec words dataset) is built once
and only read by these tests."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from embedlab.analysis.evaluate import train_test_rows
from embedlab.errors import InvalidInputError
from embedlab.pipeline.autolabel import autolabel
from embedlab.pipeline.cluster import compare_spaces
from embedlab.pipeline.embed import embed
from embedlab.pipeline.evaluate import evaluate as run_evaluate
from embedlab.pipeline.impute import impute
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space, projection_key
from embedlab.pipeline.quality import quality
from embedlab.pipeline.search import search
from embedlab.pipeline.words import similar_words, train_words
from embedlab.store.workspace import Workspace
from tests.conftest import topic_rows
from tests.test_cli import assert_clear_error


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("bad-inputs")
    path = root / "topics.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["doc", "body", "topic", "score"])
        writer.writeheader()
        for i, row in enumerate(topic_rows()):
            writer.writerow({**row, "score": f"{i * 0.37:.2f}"})
    workspace = Workspace(root / "ws")
    ingest(workspace, "t", path, text="body", label="topic", id="doc")
    embed(workspace, "t", "tfidf-svd", params={"min_df": 1, "n_components": 6})
    train_words(workspace, "t", "word2vec", params={"vector_size": 8, "min_count": 1})
    return workspace


@pytest.mark.parametrize("query", ["", "   \t"])
def test_an_empty_search_text_is_refused(ws: Workspace, query: str) -> None:
    with pytest.raises(InvalidInputError, match="The search query is empty; expected a text"):
        search(ws, "t", "tfidf-svd", query)
    with pytest.raises(InvalidInputError, match="expected an item id"):
        search(ws, "t", "tfidf-svd", query, by="id")


def test_a_query_of_unknown_words_or_zeros_is_refused_not_ranked_by_row(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match=r"'zzzz qqqq' has no word that space 'tfidf-svd'"):
        search(ws, "t", "tfidf-svd", "zzzz qqqq")
    with pytest.raises(InvalidInputError, match="The query vector is all zeros"):
        search(ws, "t", "tfidf-svd", [0.0] * 6, by="vector")
    hits = search(ws, "t", "tfidf-svd", "rocket orbit satellite", k=3)
    assert hits[0].label == "space" and hits[0].score > 0  # a known word still works


def test_a_word_lookup_on_a_dataset_of_items_says_it_is_no_words_dataset(ws: Workspace) -> None:
    with pytest.raises(KeyError, match=r"Dataset 't' is not a words dataset.*embedlab search t"):
        similar_words(ws, "t", "tfidf-svd", "rocket")
    with pytest.raises(KeyError, match=r"not in the vocabulary") as info:
        similar_words(ws, "t-words", "word2vec", "zzzz")
    assert "not a words dataset" not in str(info.value)


def test_an_empty_space_name_is_refused_not_replaced_by_the_default(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="The space name '' is not valid"):
        embed(ws, "t", "tfidf-svd", space="", params={"min_df": 1})
    assert ws.space_names("t") == ["tfidf-svd"]


def test_comparing_a_space_with_itself_is_refused(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="got 'tfidf-svd' twice"):
        compare_spaces(ws, "t", "tfidf-svd", "tfidf-svd")


def test_autolabel_known_that_hides_nothing_is_refused(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="known=30 would hide no label.*30 labelled"):
        autolabel(ws, "t", "tfidf-svd", known=30)


def test_a_numeric_column_as_label_says_why_it_is_no_label(ws: Workspace) -> None:
    with pytest.raises(
        InvalidInputError, match=r"'score' has 30 distinct value\(s\).*no class label"
    ):
        quality(ws, "t", "tfidf-svd", label="score")
    assert ws.result("columns", "t", "quality-tfidf-svd") is None  # nothing was stored


def test_a_parameter_given_twice_is_refused(run, ws: Workspace) -> None:
    args = ("embed", "t", "--method", "tfidf-svd", "--space", "twice")
    code, _, err = run(*args, "--param", "min_df=1", "--param", "min_df=2", ws=ws.path)
    assert_clear_error(code, err, "--param min_df is given twice ('1' and '2')")
    assert "twice" not in ws.space_names("t")


def test_two_kinds_of_evaluation_at_once_are_refused(run, ws: Workspace) -> None:
    code, _, err = run("evaluate", "t", "--links", "--recommend", ws=ws.path)
    assert_clear_error(code, err, "one kind of evaluation at a time; got --recommend and --links")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--analogy-method", "3cosmul"), "--analogy-method only applies with --benchmark"),
        (("--columns", "score"), "--columns only applies with --target"),
        (("--param", "epochs=3"), "--param only applies with --target"),
        (("--links", "--label", "topic"), "--label only applies with the label probes"),
        (("--links", "-k", "3"), "-k only applies with the label probes, --recommend or"),
        (("--target", "score", "-k", "3"), "-k only applies with the label probes"),
        (("--benchmark", "analogy", "--seed", "2"), "--seed only applies with the evaluations"),
    ],
)
def test_an_evaluate_option_its_evaluation_ignores_is_refused(
    run, ws: Workspace, args: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run("evaluate", "t", "tfidf-svd", *args, ws=ws.path)
    assert_clear_error(code, err, fragment)


def test_evaluate_options_of_the_chosen_evaluation_still_run(run, ws: Workspace) -> None:
    code, out, err = run("evaluate", "t", "tfidf-svd", "--label", "topic", "-k", "3", ws=ws.path)
    assert code == 0, err
    assert "tfidf-svd" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--param", "label_issue.folds=1"), "must be an int >= 2. Got 1"),
        (("--param", "label_issue.filter_by=zzz"), "must be one of 'prune_by_noise_rate'"),
        (("--param", "label_issue.neighbour_weight=-3"), "a number in [0, 1]. Got -3.0"),
        (("--duplicate-threshold", "2"), "'threshold' option of the 'near_duplicate' check"),
    ],
)
def test_quality_options_out_of_range_exit_2(
    run, ws: Workspace, args: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run("quality", "t", "tfidf-svd", *args, ws=ws.path)
    assert_clear_error(code, err, fragment)
    assert ws.result("columns", "t", "quality-tfidf-svd") is None


def test_evaluate_refuses_labels_it_cannot_learn_from(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="each of the 30 labelled items has a label of its"):
        run_evaluate(ws, "t", ["tfidf-svd"], label="score")
    labels = np.array(["a", "a", "b"], dtype=object)  # seed 0 puts both 'a' in training
    with pytest.raises(InvalidInputError, match="left 2 with one class"):
        train_test_rows(labels, None, seed=0)
    assert len(train_test_rows(labels, None, seed=1)[0]) == 2  # another split is usable


def test_a_split_too_small_to_stratify_still_splits() -> None:
    labels = np.array(["a", "a", "a", "b", "b"], dtype=object)  # 1 test item, 2 classes
    train, test = train_test_rows(labels, None, seed=0)
    assert len(train) == 4 and len(test) == 1  # sklearn refused a stratified split here


def test_neighbour_commands_on_too_few_items_say_so(tmp_path) -> None:
    path = tmp_path / "five.csv"
    path.write_text(
        "id,text,label\na,hello world,x\nb,goodbye world,y\nc,hello there,x\n"
        "d,more words here,y\ne,cats and dogs,x\n",
        encoding="utf-8",
    )
    small = Workspace(tmp_path / "ws")
    ingest(small, "five", path)
    embed(small, "five", "tfidf-svd", params={"min_df": 1})
    for command in (autolabel, impute):
        args = ("label",) if command is impute else ()
        with pytest.raises(InvalidInputError, match=r"k=15 nearest .* only 5 item\(s\); expected"):
            command(small, "five", "tfidf-svd", *args)
    assert autolabel(small, "five", "tfidf-svd", k=4).predicted == 0  # every item is labelled


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (["score", "score"], r"--columns names 'score' more than once"),
        (["id"], r"Column 'id' of dataset 't' holds the item ids"),
    ],
)
def test_embed_columns_that_cannot_be_features_are_refused(
    ws: Workspace, columns: list[str], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):  # both crashed in pyarrow (exit 1)
        embed(ws, "t", "pca", columns=columns, space="bad-columns")
    assert "bad-columns" not in ws.space_names("t")


def test_a_map_of_items_that_all_share_one_vector_is_refused(tmp_path) -> None:
    path = tmp_path / "same.csv"
    path.write_text("id,text\n" + "".join(f"d{i},the same text\n" for i in range(8)), "utf-8")
    same = Workspace(tmp_path / "ws")
    ingest(same, "same", path)
    embed(same, "same", "tfidf-svd", params={"min_df": 1})
    for method in ("pca", "tsne"):  # t-SNE died with a segmentation fault (exit 139)
        with pytest.raises(InvalidInputError, match="All 8 items of space 'tfidf-svd' .* same"):
            project_space(same, "same", "tfidf-svd", method=method)
    assert same.result("projection", "same", projection_key("tfidf-svd", "pca", 2)) is None


def test_a_query_vector_file_that_is_no_single_vector_is_named(
    run, ws: Workspace, tmp_path
) -> None:
    matrix, garbage = tmp_path / "rows.npy", tmp_path / "junk.npy"
    np.save(matrix, np.ones((3, 6), dtype=np.float32))
    garbage.write_bytes(b"not numpy at all")
    args = ("search", "t", "tfidf-svd")
    code, _, err = run(*args, str(matrix), "--by", "vector", ws=ws.path)
    assert_clear_error(
        code, err, "holds an array of shape (3, 6); expected one vector"
    )  # was: "24 dimensions"
    code, _, err = run(*args, str(garbage), "--by", "vector", ws=ws.path)
    assert_clear_error(code, err, "it is not a NumPy .npy file")  # was: "contains pickled data"
