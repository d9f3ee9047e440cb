"""Odd but valid inputs from data embedlab's other tests never see (a semicolon CSV from Excel,
a TSV named .csv, ids typed with spaces around them, a class of one item, a split smaller than
-k): each read, found or reported as it is, where it was silently misread or mislabelled."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from embedlab.analysis.checks.base import CheckData
from embedlab.analysis.checks.labels import LabelIssueCheck
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.analysis.search import check_query_vector
from embedlab.api import create_app
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.batches import iter_frames
from embedlab.io.graphs import read_edge_list
from embedlab.io.images import images_from_array
from embedlab.io.interactions import InteractionColumns
from embedlab.io.items import ids_like
from embedlab.io.readers import read_source
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import GraphOptions, ingest
from embedlab.pipeline.interactions import InteractionOptions
from embedlab.pipeline.quality import quality
from embedlab.pipeline.recommend import recommend
from embedlab.pipeline.search import item_neighbours
from embedlab.preprocess.image import decode_rgb
from embedlab.store.workspace import Workspace
from embedlab.words.vectors import WordVectors
from tests.api.test_api import WRITE_HEADER, assert_error
from tests.test_bad_inputs_kinds import write


def both_readers(path: Path) -> list[pd.DataFrame]:
    """The file as the whole-file reader and the streaming reader (2 rows a frame) give it."""
    return [read_source(path), pd.concat(list(iter_frames(path, batch_rows=2)))]


def test_a_semicolon_csv_from_excel_reads_as_its_columns(tmp_path: Path) -> None:
    # BOM, CRLF, ';' separators, a quoted cell with a line break and a ';' inside: it was read
    # as one column 'id;text;label' of 6 "items", each record cut in two at its line break
    path = tmp_path / "excel.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["id", "text", "label"])
        for i in range(3):
            writer.writerow([f"b{i}", f"first line {i}\r\nsecond; line, too", "xy"[i % 2]])
    for frame in both_readers(path):
        assert list(frame.columns) == ["id", "text", "label"]
        assert frame["text"].tolist()[0] == "first line 0\r\nsecond; line, too"
        assert frame.index.tolist() == [2, 4, 6]  # the file line each record starts on
    ws = Workspace(tmp_path / "ws")
    assert ingest(ws, "excel", path).n_items == 3
    assert ws.dataset("excel").column("label") == ["x", "y", "x"]


def test_a_tsv_named_csv_reads_and_a_comma_header_keeps_commas(tmp_path: Path) -> None:
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("id\ttext\n1\thello, world\n2\tbye; now\n", encoding="utf-8")
    for frame in both_readers(tabs):
        assert frame["text"].tolist() == ["hello, world", "bye; now"]
    commas = tmp_path / "commas.csv"  # ';' and tabs in cells, ',' in the header: commas rule
    commas.write_text('id,text\n1,"a;b"\n2,c\td\n', encoding="utf-8")
    one = tmp_path / "one.csv"  # one column: a ';' in a cell is no separator
    one.write_text("text\nhello; world\nbye\n", encoding="utf-8")
    for frame in both_readers(commas):
        assert frame["text"].tolist() == ["a;b", "c\td"]
    for frame in both_readers(one):
        assert frame["text"].tolist() == ["hello; world", "bye"]


def test_a_class_of_one_item_is_counted_as_rare_not_also_as_unlabelled() -> None:
    # every item had a label, yet the summary said skipped_unlabelled=1 beside
    # skipped_rare_class=1 for the one item of a one-item class
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(41, 8)).astype(np.float32)
    labels = ["a"] * 20 + ["b"] * 20 + ["lonely"]
    data = CheckData(
        ids=[str(i) for i in range(41)],
        vectors=vectors,
        graph=build_neighbor_graph(vectors, k=5),
        labels=labels,
    )
    summary = LabelIssueCheck().run(data).summary
    assert summary["skipped_rare_class"] == 1 and summary["rare_classes"] == {"lonely": 1}
    assert summary["skipped_unlabelled"] == 0
    data.labels = [*labels[:40], None]
    assert LabelIssueCheck().run(data).summary["skipped_unlabelled"] == 1


@pytest.fixture(scope="module")
def graph_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Nodes '007' and '7' (two nodes: ids are text), unicode names, a labelled node file."""
    root = tmp_path_factory.mktemp("unseen-graph")
    edges = root / "edges.csv"
    edges.write_text(
        "source,target,extra\n007,7,x\n7,東京,y\n東京,node one,z\nnode one,007,w\n",
        encoding="utf-8",
    )
    nodes = root / "nodes.csv"
    nodes.write_text("id,group\n007,a\n7,b\n東京,a\nnode one,b\n", encoding="utf-8")
    ws = Workspace(root / "ws")
    ingest(ws, "g", edges, graph=GraphOptions(nodes=nodes), label="group")
    embed(ws, "g", "spectral", params={"n_components": 2})
    return ws


def test_an_id_typed_with_spaces_is_found_by_every_lookup(graph_ws: Workspace) -> None:
    # `search --by id ' 007 '` found node '007', `neighbors --id ' 007 '` and the app's item
    # page did not ("No item with id ' 007 '")
    found = item_neighbours(graph_ws, "g", "spectral", " 007 ", k=2)
    assert found.graph_neighbours == ["7", "node one"]
    client = TestClient(create_app(graph_ws), raise_server_exceptions=False)
    item = client.get("/api/datasets/g/item", params={"id": " 007 "})
    assert item.status_code == 200, item.text
    assert item.json()["id"] == "007" and item.json()["values"]["group"] == "a"  # not '7'
    linked = client.get("/api/datasets/g/item/graph-neighbors", params={"id": "007 "})
    assert [n["id"] for n in linked.json()["neighbours"]] == ["7", "node one"]
    missing = client.get("/api/datasets/g/item", params={"id": "07"})
    assert missing.status_code == 404 and "No item with id '07'" in missing.text
    assert "Did you mean '007', '7'?" in missing.text  # the same number, written otherwise
    with pytest.raises(NotFoundError, match=r"No item with id '7\.0'.*Did you mean '007', '7'"):
        item_neighbours(graph_ws, "g", "spectral", "7.0", k=2)


def test_a_user_id_without_its_leading_zeros_is_pointed_to(tmp_path: Path) -> None:
    # "No user '1' (e.g. '000', '001', '002')" gave no hint: difflib finds '1' far from '001'
    rows = "user,item\n000,a\n001,a\n001,b\n002,b\n"
    ws = Workspace(tmp_path / "ws")
    options = InteractionOptions(InteractionColumns.parse("user,item"))
    ingest(ws, "plays", write(tmp_path, "plays.csv", rows), interactions=options)
    embed(ws, "plays", "svd", params={"factors": 1})
    with pytest.raises(NotFoundError, match=r"No user '1' .*Did you mean '001'\?"):
        recommend(ws, "plays", "svd", "1")


def test_knn_beyond_the_training_items_is_labelled_with_the_k_used(
    run, graph_ws: Workspace
) -> None:
    # the column said kNN@10 for a vote of the 3 training items
    code, out, err = run("evaluate", "g", "spectral", "--label", "group", ws=graph_ws.path)
    assert code == 0, err
    said = " ".join(out.split())
    assert "(-k 10 cut to the 3 training items)" in said and "kNN@3" in said
    assert "kNN@10" not in said


@pytest.mark.parametrize(
    ("vector", "fragment"),
    [
        ([1, True, 0, 1], "value 2 is true"),  # was searched as [1, 1, 0, 1]
        (["1", "2", "3", "4"], 'value 1 is "1"'),  # was parsed as numbers
        (np.ones(4, dtype=complex), "value 1 is (1+0j)"),  # lost its imaginary parts
        ([1, 2, 3, None], "value 4 is null"),
        ([[1, 2], [3, 4]], "has shape (2, 2); expected one vector of 4 numbers"),  # flattened
        ([[1, 2], [3]], "has shape (ragged)"),
    ],
)
def test_a_query_vector_of_no_real_numbers_names_the_value(vector: object, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(fragment)):
        check_query_vector(vector, 4, "s")
    assert check_query_vector([[1, 2, 3, 4.5]], 4, "s").tolist() == [1, 2, 3, 4.5]  # (1, d)


@pytest.mark.parametrize("batch_rows", [1, 100])
def test_json_lists_and_objects_beside_strings_are_stored_as_json(
    tmp_path: Path, batch_rows: int
) -> None:
    # a column of lists beside strings crashed ingest ("This is a bug", exit 1: pd.isna of a
    # list), and an object as the text was stored as Python's repr "{'t': 2}"
    lines = [
        {"id": "a", "text": "one", "tags": ["p", "é"]},
        {"id": "b", "text": "two", "tags": "r"},
        {"id": "c", "text": {"t": 2}, "tags": None},
    ]
    path = write(tmp_path, "mixed.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "mixed", path, batch_rows=batch_rows)
    stored = ws.dataset("mixed")
    assert stored.column("tags") == ['["p", "é"]', "r", None]
    assert stored.column("text") == ["one", "two", '{"t": 2}']


@pytest.mark.parametrize(
    ("wanted", "ids", "like"),
    [
        ("07", ["007", "70", "0.7", "7.0"], ["007", "7.0"]),
        ("7.50", ["7.5", "07.500", "7.05", "75"], ["7.5", "07.500"]),
        ("0", ["0.0", "00.1", ".", "000"], ["0.0", "000"]),
        ("-3", ["3", "-003"], ["-003"]),
        ("U1", ["u1", "a.b", "U1x"], ["u1"]),
        ("a.b", ["axb", "A.B"], ["A.B"]),  # the id is matched as text, not as a pattern
    ],
)
def test_ids_like_a_missing_id_are_its_other_writings(
    wanted: str, ids: list[str], like: list[str]
) -> None:
    assert ids_like(wanted, ids) == like


def test_a_json_selection_sent_without_its_content_type_is_read_as_json(
    graph_ws: Workspace,
) -> None:
    # `curl -d '{"rows": [1]}'` (a form's content type) was read as uint32 rows: "Row 1869750907
    # is not an item"; {"ids": [...]} was an empty selection and {"rows", "ids"} row 0 alone
    client = TestClient(create_app(graph_ws), raise_server_exceptions=False)
    url, form = "/api/datasets/g/selection", {**WRITE_HEADER, "content-type": "text/plain"}
    page = client.post(url, content=b'{"rows": [1, 2]}', headers=form)
    assert page.status_code == 200 and [i["id"] for i in page.json()["items"]] == ["7", "東京"]
    for body in (b'{"ids": ["007"]}', b'{"rows": [0], "ids": ["7"]}'):
        assert_error(client.post(url, content=body, headers=form), 400, 'takes only "rows"')
    binary = {**WRITE_HEADER, "content-type": "application/octet-stream"}
    row_123 = np.array([123], "<u4").tobytes()  # b'{\0\0\0': binary, not JSON
    assert_error(client.post(url, content=row_123, headers=binary), 400, "Row 123 is not an")


def test_float_and_boolean_image_arrays_become_their_pixels(tmp_path: Path) -> None:
    # floats in [0, 1] were cast to uint8: every image black (0) or with a few 1s; NaN was 0
    rng = np.random.default_rng(0)
    floats = rng.random((4, 6, 6)).astype(np.float32)
    np.save(tmp_path / "floats.npy", floats)
    np.save(tmp_path / "mask.npy", np.eye(6, dtype=bool)[None].repeat(3, axis=0))
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "floats", tmp_path / "floats.npy")
    first = np.asarray(decode_rgb(ws.dataset("floats").column("image")[0]))[:, :, 0]
    assert np.array_equal(first, np.rint(floats[0] * 255).astype(np.uint8))
    ingest(ws, "mask", tmp_path / "mask.npy")
    assert np.asarray(decode_rgb(ws.dataset("mask").column("image")[0])).max() == 255


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.where(np.arange(4)[:, None, None] == 2, np.nan, np.zeros((4, 5, 5))), "Image 2 of"),
        (np.full((2, 5, 5), 300, dtype=np.uint16), "Image 0 of 'x.npy' holds values in [300"),
        (np.zeros((2, 5, 5), dtype=complex), "holds complex128 values"),
        (np.zeros((2, 5, 5, 2), dtype=np.uint8), "with c 1, 3 or 4 in 'x.npy'; got (2, 5, 5, 2)"),
    ],
)
def test_an_image_array_of_no_pixels_names_the_file_and_image(
    array: np.ndarray, fragment: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(fragment)):
        images_from_array(array, source="'x.npy'")


def test_the_audit_of_a_dataset_whose_label_has_one_class_runs_without_the_label(
    tmp_path: Path,
) -> None:
    # "Label issues need at least 2 classes" refused the whole audit (outliers, duplicates,
    # text checks), and no option could run it without the dataset's label column
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
    rows = "".join(
        f"o{i},{' '.join(words[(i * j) % 6] for j in range(1, 5))} {i},same\n" for i in range(24)
    )
    ws = Workspace(tmp_path / "ws")
    ingest(ws, "one", write(tmp_path, "one.csv", "id,text,label\n" + rows))
    embed(ws, "one", "tfidf-svd", params={"min_df": 1, "n_components": 4})
    report = quality(ws, "one", "tfidf-svd", k=5)
    assert report.check("outlier") is not None and report.check("label_issue") is None
    assert (
        "label column 'label' cannot be checked: Label issues need at least 2 classes"
        in (report.not_run["label_issue"])
    )
    with pytest.raises(InvalidInputError, match="at least 2 classes"):  # asked for: refused
        quality(ws, "one", "tfidf-svd", k=5, label="label")


def test_a_lone_node_says_it_has_no_neighbours(run, tmp_path: Path) -> None:
    # an empty table, then "Graph neighbours of 'a' (0): " ending in nothing
    path = write(tmp_path, "loop.csv", "source,target\na,a\n")
    assert run("ingest", "loop", str(path), "--edges", "source,target")[0] == 0
    walks = ("--param", "dimensions=4", "--param", "num_walks=2", "--param", "walk_length=4")
    assert run("embed", "loop", "--method", "deepwalk", *walks)[0] == 0
    code, out, err = run("neighbors", "loop", "deepwalk", "--id", "a")
    assert code == 0, err
    said = " ".join(out.split())
    assert "Item 'a' is the only item of space 'deepwalk': no neighbours." in said
    assert "Graph neighbours of 'a' (0): none (no edge to another node)" in said


@pytest.mark.parametrize(("weight", "hint"), [("heavy", False), ("0", True), ("-2", True)])
def test_the_weight_of_0_hint_comes_only_for_weights_not_above_0(
    tmp_path: Path, weight: str, hint: bool
) -> None:
    # 'heavy' was told "An edge of weight 0 is no edge: leave it out"
    path = write(tmp_path, "w.csv", f"source,target,w\na,b,{weight}\n")
    with pytest.raises(InvalidInputError, match="line 2 of") as info:
        read_edge_list(path, weight="w")
    assert ("An edge of weight 0 is no edge" in str(info.value)) is hint


def test_an_empty_word_is_called_empty_and_a_padded_one_is_found() -> None:
    vectors = WordVectors(["커피", "tea"], np.eye(2, dtype=np.float32), name="space 'w'")
    with pytest.raises(InvalidInputError, match="The word is empty; expected a word of the voc"):
        vectors.row("  ")  # was "The word '  ' is not in the vocabulary"
    assert vectors.row(" 커피 ") == 0 and vectors.row("TEA ") == 1
