"""The store owns provenance: every result records its inputs with their versions, one rule says
whether it still holds, and replacing a result drops what was computed from it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from embedlab.errors import NotFoundError, WorkspaceError
from embedlab.pipeline.cluster import compare_spaces
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import neighbors
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.pipeline.quality import quality
from embedlab.pipeline.search import search
from embedlab.store.catalog import result_ref
from embedlab.store.manifest import RUNS_TABLE, RunRecord
from embedlab.store.workspace import Workspace

TFIDF = {"n_components": 4, "min_df": 1}


@pytest.fixture
def topics(ws: Workspace, topics_csv: Path) -> Workspace:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params=TFIDF)
    return ws


def test_every_result_records_its_inputs_with_versions(topics: Workspace) -> None:
    ws = topics
    space = ws.space("topics", "tfidf-svd")
    neighbors(ws, "topics", "tfidf-svd", k=5)
    graph = ws.result("neighbors", "topics", "tfidf-svd")
    assert graph is not None
    assert space.entry.meta["inputs"] == {"dataset:topics:topics": ws.dataset("topics").version}
    assert graph.meta["inputs"] == {"space:topics:tfidf-svd": space.version}
    run = next(r for r in reversed(ws.manifest.runs("topics")) if r.kind == "neighbors")
    assert run.inputs == graph.meta["inputs"]
    assert run.input_version == space.version
    search(ws, "topics", "tfidf-svd", "food-0", by="id", k=3)  # builds the space's index
    index = ws.result("index", "topics", "tfidf-svd")
    assert index is not None and index.meta["inputs"] == graph.meta["inputs"]


def test_quality_run_records_every_parameter(topics: Workspace) -> None:
    quality(topics, "topics", "tfidf-svd", k=5, duplicate_threshold=0.99, seed=3)
    run = next(r for r in topics.manifest.runs("topics") if r.kind == "quality")
    assert run.params["k"] == 5 and run.params["duplicate_threshold"] == 0.99
    assert run.params["label"] == "topic" and run.seed == 3
    assert run.params["checks"]["near_duplicate"]["threshold"] == 0.99
    assert "fence" in json.dumps(run.params["checks"]["outlier"])
    assert set(run.inputs) == {"space:topics:tfidf-svd"}


def test_quality_with_an_unknown_label_writes_nothing(topics: Workspace) -> None:
    runs_before = len(topics.manifest.runs("topics"))
    with pytest.raises(NotFoundError, match="no column 'nosuch'"):
        quality(topics, "topics", "tfidf-svd", label="nosuch")
    assert topics.result("neighbors", "topics", "tfidf-svd") is None
    assert len(topics.manifest.runs("topics")) == runs_before


def test_a_result_of_a_replaced_input_is_stale_even_if_it_survived(topics: Workspace) -> None:
    """As after a run killed between its commit and the drop of what it replaced: the old
    graph is still in the catalog but names an older space version, so it is not current."""
    ws = topics
    neighbors(ws, "topics", "tfidf-svd", k=5)
    graph = ws.catalog.get("neighbors", "topics", "tfidf-svd")
    assert graph is not None
    embed(ws, "topics", "tfidf-svd", params={**TFIDF, "n_components": 3})
    ws.catalog.append(graph)  # the old graph entry, as if it had never been dropped
    assert ws.catalog.get("neighbors", "topics", "tfidf-svd") is not None
    assert ws.result("neighbors", "topics", "tfidf-svd") is None
    assert neighbors(ws, "topics", "tfidf-svd", k=5).indices.shape == (30, 5)  # rebuilt


def test_freshness_follows_the_chain_of_inputs(topics: Workspace) -> None:
    """A graph of a space whose dataset changed is stale, though its own input (the space)
    kept its version."""
    ws = topics
    neighbors(ws, "topics", "tfidf-svd", k=5)
    space = ws.catalog.get("space", "topics", "tfidf-svd")
    graph = ws.catalog.get("neighbors", "topics", "tfidf-svd")
    dataset = ws.catalog.get("dataset", "topics", "topics")
    assert space is not None and graph is not None and dataset is not None
    ws.catalog.append(replace(dataset, run_id="another-version"))
    assert not ws.is_fresh(space) and not ws.is_fresh(graph)
    with pytest.raises(NotFoundError, match="older version of dataset:topics:topics"):
        ws.space("topics", "tfidf-svd")


def test_replacing_either_compared_space_drops_the_comparison(topics: Workspace) -> None:
    ws = topics
    embed(ws, "topics", "tfidf-svd", space="other", params={**TFIDF, "n_components": 3})
    compare_spaces(ws, "topics", "tfidf-svd", "other", k=5)
    key = "compare-tfidf-svd-other"
    assert ws.result("columns", "topics", key) is not None
    embed(ws, "topics", "tfidf-svd", space="other", params={**TFIDF, "n_components": 2})
    assert ws.catalog.get("columns", "topics", key) is None


def test_a_commit_whose_input_changed_meanwhile_is_refused(topics: Workspace) -> None:
    ws = topics
    space = ws.space("topics", "tfidf-svd")
    embed(ws, "topics", "tfidf-svd", params={**TFIDF, "n_components": 3})  # replaced meanwhile
    run = RunRecord(kind="neighbors", dataset="topics", space="tfidf-svd")
    with pytest.raises(WorkspaceError, match="space:topics:tfidf-svd changed while it ran"):
        ws.save_result(
            "neighbors", "topics", "tfidf-svd", pa.table({"x": [1]}), run=run, inputs=[space]
        )
    assert ws.catalog.get("neighbors", "topics", "tfidf-svd") is None


def test_entries_written_before_inputs_were_recorded_still_age(topics: Workspace) -> None:
    """Older workspaces kept `space_run` on graphs and projections: the same rule reads it."""
    ws = topics
    project_space(ws, "topics", "tfidf-svd", method="pca")
    key = "tfidf-svd/pca-2d"
    entry = ws.catalog.get("projection", "topics", key)
    assert entry is not None
    space_version = ws.space("topics", "tfidf-svd").version
    legacy = {k: v for k, v in entry.meta.items() if k != "inputs"}
    ws.catalog.append(replace(entry, meta={**legacy, "space_run": space_version}))
    assert ws.result("projection", "topics", key) is not None
    ws.catalog.append(replace(entry, meta={**legacy, "space_run": "an-older-run"}))
    assert ws.result("projection", "topics", key) is None


def test_a_manifest_without_the_inputs_column_gains_it(topics: Workspace) -> None:
    ws = topics
    db = ws._connect()
    old = db.open_table(RUNS_TABLE).to_arrow().drop_columns(["inputs"])
    db.create_table(RUNS_TABLE, old, mode="overwrite")
    assert [r.inputs for r in ws.manifest.runs("topics")] == [{}, {}]
    neighbors(ws, "topics", "tfidf-svd", k=5)
    runs = ws.manifest.runs("topics")
    assert runs[-1].inputs == {result_ref("space", "topics", "tfidf-svd"): runs[1].run_id}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ws: neighbors(ws, "topics", "tfidf-svd", k=0), "'k' parameter of neighbors"),
        (lambda ws: neighbors(ws, "topics", "tfidf-svd", k=-1), "'k' parameter of neighbors"),
        (lambda ws: project_space(ws, "topics", "tfidf-svd", seed=-1), "'seed' parameter of"),
        (lambda ws: quality(ws, "topics", "tfidf-svd", seed=2**40), "int in \\[0, 4294967295\\]"),
        (lambda ws: compare_spaces(ws, "topics", "tfidf-svd", "tfidf-svd", k=0), "of compare"),
    ],
)
def test_out_of_range_parameters_are_refused_before_anything_is_written(
    topics: Workspace, call, message: str
) -> None:  # type: ignore[no-untyped-def]
    """The Python API checks what the CLI and the HTTP API check, and writes nothing."""
    from embedlab.errors import InvalidInputError

    neighbors(topics, "topics", "tfidf-svd", k=5)  # a stored graph must not answer k=0 either
    runs = len(topics.manifest.runs("topics"))
    with pytest.raises(InvalidInputError, match=message):
        call(topics)
    assert len(topics.manifest.runs("topics")) == runs
