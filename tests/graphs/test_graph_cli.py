"""A graph through the faces: embed, evaluate (node labels and --links), neighbors --id, demo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

SMALL = ["--param", "dimensions=16", "--param", "num_walks=4", "--param", "walk_length=20"]


def test_embed_evaluate_links_and_neighbours(run) -> None:
    assert run("ingest", "club", "sandbox:karate-club")[0] == 0
    code, out, err = run("embed", "club", "--method", "deepwalk", *SMALL, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert (info["n_items"], info["dim"]) == (34, 16)
    space = Workspace(run.workspace).space("club", "deepwalk")
    inputs = space.meta["inputs"]
    assert set(inputs) == {"dataset:club:club", "edges:club:club"}
    assert space.ids() == Workspace(run.workspace).dataset("club").ids()

    code, out, err = run("evaluate", "club", "--json")
    assert code == 0, err
    names = [r["name"] for r in json.loads(out)]
    assert names == ["deepwalk", "spectral (baseline)"]

    code, out, err = run("evaluate", "club", "--links", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["deepwalk", "spectral (baseline)"]
    assert rows[0]["n_test_edges"] == 8 and 0 <= rows[0]["cosine_auc"] <= 1

    code, out, err = run("neighbors", "club", "deepwalk", "--id", "33", "-k", "5", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert len(result["hits"]) == 5 and "33" not in [h["id"] for h in result["hits"]]
    assert len(result["graph_neighbours"]) == 17 and "32" in result["graph_neighbours"]


def test_graph_methods_refuse_other_datasets(run, topics_csv: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("embed", "d", "--method", "node2vec")
    assert_clear_error(code, err, "Dataset 'd' is not a graph", "--edges SOURCE,TARGET")
    code, _, err = run("evaluate", "d", "--links")
    assert_clear_error(code, err, "Dataset 'd' is not a graph")
    assert Workspace(run.workspace).space_names("d") == []


def test_reingest_drops_the_old_edges_and_spaces(run, tmp_path: Path) -> None:
    first = tmp_path / "a.edg"
    first.write_text("1 2\n2 3\n3 1\n", encoding="utf-8")
    assert run("ingest", "g", str(first))[0] == 0
    assert run("embed", "g", "--method", "spectral")[0] == 0
    second = tmp_path / "b.edg"
    second.write_text("1 2\n2 3\n3 4\n4 1\n", encoding="utf-8")
    assert run("ingest", "g", str(second))[0] == 0
    ws = Workspace(run.workspace)
    assert ws.space_names("g") == [] and len(ws.dataset("g")) == 4
    entry = ws.result("edges", "g", "g")
    assert entry is not None and entry.meta["n_edges"] == 4


@pytest.mark.slow
def test_demo_karate(run) -> None:
    code, out, err = run("demo", "--case", "karate", "--no-serve", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["dataset"] == "karate" and summary["n_items"] == 34
    assert summary["leave_one_out_accuracy"] >= 0.9
    assert Path(summary["plot"]).is_file()
    coords = Workspace(run.workspace).space("karate", "deepwalk").vectors()
    assert np.isfinite(coords).all()
