"""Graph ingest: edge lists and node files become items and a stored edge table; every bad
input names its file and line and leaves the workspace as it was."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.graphs import read_edges
from embedlab.pipeline.ingest import GraphOptions, ingest
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

EDGES = "source,target,w\na,b,1\nb,c,2\nb,a,3\nc,c,1\nd,e,1\n"
NODES = "id,club,desc\na,x,hello\nb,y,\nc,x,foo\nd,y,bar\ne,x,baz\nf,y,lonely\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_edges_and_nodes_are_stored_with_counts(ws: Workspace, tmp_path: Path) -> None:
    edges, nodes = write(tmp_path, "e.csv", EDGES), write(tmp_path, "n.csv", NODES)
    options = GraphOptions(weight="w", nodes=nodes)
    report = ingest(ws, "g", edges, graph=options, label="club", text="desc")
    assert report.graph == {
        "n_nodes": 6,
        "n_edges": 4,
        "self_loops": 1,
        "duplicate_edges": 1,
        "isolated_nodes": 1,
        "directed": False,
        "weighted": True,
        "n_edge_rows": 5,
        "added_missing_nodes": 0,
        "weight_column": True,
    }
    dataset = ws.dataset("g")
    assert dataset.meta["kind"] == "graph" and dataset.meta["directed"] is False
    assert dataset.ids() == ["a", "b", "c", "d", "e", "f"]  # node file order
    assert dataset.labels() == ["x", "y", "x", "y", "x", "y"]
    assert dataset.texts()[1] == ""  # a node without text is still an item
    source, target, weight = read_edges(ws, dataset)
    pairs = {(int(s), int(t)): float(w) for s, t, w in zip(source, target, weight, strict=True)}
    assert pairs == {(0, 1): 4.0, (1, 2): 2.0, (2, 2): 1.0, (3, 4): 1.0}  # a-b merged: 1 + 3
    assert source.dtype == np.int64 and weight.dtype == np.float32


def test_directed_keeps_both_directions(ws: Workspace, tmp_path: Path) -> None:
    report = ingest(ws, "g", write(tmp_path, "e.csv", EDGES), graph=GraphOptions(directed=True))
    assert report.graph["n_edges"] == 5 and report.graph["duplicate_edges"] == 0
    assert ws.dataset("g").ids() == ["a", "b", "c", "d", "e"]  # first appearance


def test_whitespace_edge_list_with_weights(ws: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "g.edg", "# a comment\n1 2 0.5\n\n2\t3 2\n")
    report = ingest(ws, "g", path)
    assert report.graph["n_edges"] == 2 and report.graph["weighted"]
    assert read_edges(ws, ws.dataset("g"))[2].tolist() == [0.5, 2.0]


def test_missing_nodes_are_added_on_request(ws: Workspace, tmp_path: Path) -> None:
    edges, nodes = write(tmp_path, "e.csv", EDGES), write(tmp_path, "n.csv", "id\na\nb\n")
    with pytest.raises(InvalidInputError, match=r"line 3 of .*e.csv' names node 'c'"):
        ingest(ws, "g", edges, graph=GraphOptions(nodes=nodes))
    assert ws.dataset_names() == []
    report = ingest(ws, "g", edges, graph=GraphOptions(nodes=nodes, add_missing_nodes=True))
    assert report.graph["added_missing_nodes"] == 3
    assert ws.dataset("g").ids() == ["a", "b", "c", "d", "e"]


def test_karate_club_sandbox(ws: Workspace) -> None:
    report = ingest(ws, "club", "sandbox:karate-club")
    assert (report.graph["n_nodes"], report.graph["n_edges"]) == (34, 78)
    assert set(ws.dataset("club").labels()) == {"Mr. Hi", "Officer"}


@pytest.mark.parametrize(
    ("name", "text", "options", "message"),
    [
        (
            "e.csv",
            EDGES,
            GraphOptions(edges=("source", "tgt")),
            "Column 'tgt' (given with --edges)",
        ),
        ("e.csv", "source,target\na,\n", GraphOptions(), "empty at line 2 of"),
        (
            "e.csv",
            "source,target,w\na,b,1\nb,c,x\n",
            GraphOptions(weight="w"),
            "The weight at line 3 of",
        ),
        (
            "e.csv",
            "source,target,w\na,b,-2\n",
            GraphOptions(weight="w"),
            "is not positive: got '-2'",
        ),
        ("e.csv", "source,target\n", GraphOptions(), "has no edges"),
        ("g.edg", "1 2\n2 3 4\n", GraphOptions(), "Line 2 of"),
        ("g.edg", "# nothing\n", GraphOptions(), "has no edges"),
    ],
)
def test_bad_edges_name_file_and_line(
    ws: Workspace, tmp_path: Path, name: str, text: str, options: GraphOptions, message: str
) -> None:
    ingest(ws, "keep", write(tmp_path, "ok.csv", EDGES), graph=GraphOptions())
    before = ws.catalog.version()
    with pytest.raises((InvalidInputError, NotFoundError), match=re.escape(message)) as info:
        ingest(ws, "keep", write(tmp_path, name, text), graph=options)
    assert name in str(info.value)
    assert ws.catalog.version() == before and len(ws.dataset("keep")) == 5  # nothing touched


def test_cli_bad_inputs_exit_2(run, tmp_path: Path) -> None:
    good = write(tmp_path, "e.csv", EDGES)
    code, out, err = run("ingest", "g", str(good), "--edges", "source,target", "--weight", "w")
    assert code == 0, err
    assert "1 duplicate edge(s) merged" in out and "1 self-loop(s)" in out
    bad = write(tmp_path, "bad.csv", "source,target,w\na,b,1\nb,c,-1\n")
    code, _, err = run("ingest", "g", str(bad), "--edges", "source,target", "--weight", "w")
    assert_clear_error(code, err, "line 3 of", "bad.csv", "is not positive")
    nodes = write(tmp_path, "n.csv", "id\na\n")
    code, _, err = run("ingest", "g", str(good), "--edges", "source,target", "--nodes", str(nodes))
    assert_clear_error(code, err, "line 2 of", "names node 'b'", "--add-missing-nodes")
    code, _, err = run("ingest", "g", str(good), "--edges", "source")
    assert_clear_error(code, err, "--edges expects two column names")
    assert len(Workspace(run.workspace).dataset("g")) == 5
