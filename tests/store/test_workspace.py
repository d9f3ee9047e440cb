"""The workspace survives restarts, records runs, replaces results atomically, cleans up."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from embedlab.errors import InvalidInputError, NotFoundError, WorkspaceError
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import neighbors
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.store import workspace as workspace_module
from embedlab.store.workspace import Workspace, validate_name


def test_reopening_shows_everything(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    neighbors(ws, "topics", "tfidf-svd", k=5)
    reopened = Workspace(ws.path)
    assert reopened.dataset_names() == ["topics"]
    dataset = reopened.dataset("topics")
    assert len(dataset) == 30 and dataset.label_column == "topic" and dataset.text_column == "body"
    assert dataset.ids()[:2] == ["food-0", "food-1"]
    space = reopened.space("topics", "tfidf-svd")
    assert space.vectors().shape == (30, 4) and space.vectors().dtype == np.float32
    assert space.ids() == dataset.ids(), "space rows follow dataset rows"
    runs = reopened.manifest.runs("topics")
    assert [r.kind for r in runs] == ["ingest", "embed", "neighbors"]
    embed_run = runs[1]
    assert embed_run.method == "tfidf-svd" and embed_run.params["n_components"] == 4
    assert embed_run.seed == 0 and embed_run.input_version == dataset.version
    assert {"numpy", "lancedb", "scikit-learn", "python"} <= set(embed_run.versions)
    assert embed_run.duration_s > 0


def test_reingest_replaces_dataset_and_drops_its_spaces(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    old_version = ws.dataset("topics").version
    kept = ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    assert kept.unchanged and ws.dataset("topics").version == old_version  # the same file
    assert ws.space_names("topics") == ["tfidf-svd"]
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc", force=True)
    assert ws.dataset("topics").version != old_version
    assert ws.space_names("topics") == []
    with pytest.raises(NotFoundError, match="No space 'tfidf-svd'"):
        ws.space("topics", "tfidf-svd")


def test_new_space_drops_its_old_graph_and_projections(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    neighbors(ws, "topics", "tfidf-svd", k=5)
    project_space(ws, "topics", "tfidf-svd", method="pca")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 6, "min_df": 1})
    assert ws.result("neighbors", "topics", "tfidf-svd") is None
    assert ws.result("projection", "topics", "tfidf-svd/pca-2d") is None
    assert ws.space("topics", "tfidf-svd").dim == 6


def test_failed_ingest_leaves_previous_state(
    ws: Workspace, topics_csv: Path, tmp_path: Path
) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    bad = tmp_path / "dupes.csv"
    bad.write_text("doc,body\n1,a\n1,b\n", encoding="utf-8")
    with pytest.raises(Exception, match="must be unique"):
        ingest(ws, "topics", bad, text="body", id="doc")
    assert len(ws.dataset("topics")) == 30


def test_orphan_tables_are_collected(ws: Workspace, topics_csv: Path, monkeypatch) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    ws.write_table("topics.space.left-by-a-killed-run.x", pa.table({"a": [1]}))
    monkeypatch.setattr(workspace_module, "ORPHAN_AGE_S", 0.0)
    time.sleep(0.01)
    assert ws.collect_garbage() == ["topics.space.left-by-a-killed-run.x"]
    assert len(ws.dataset("topics")) == 30


def test_replaced_fitted_state_is_collected(ws: Workspace, topics_csv: Path, monkeypatch) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    first = embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    second = embed(ws, "topics", "tfidf-svd", params={"n_components": 5, "min_df": 1})
    monkeypatch.setattr(workspace_module, "ORPHAN_AGE_S", 0.0)
    assert ws.collect_garbage() == [f"{first.space.meta['state_run']}.npz"]
    assert ws.model_path(second.space.meta["state_run"]).exists()


def test_unwritable_workspace_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match="Cannot write to the workspace folder"):
        Workspace(blocker / "inside").ensure_writable()
    with pytest.raises(WorkspaceError, match="is a file"):
        Workspace(blocker)


def test_names_are_validated() -> None:
    assert validate_name("rotten-tomatoes_2", "dataset") == "rotten-tomatoes_2"
    for bad in ("", "a b", "../x", "x.y", "-x"):
        with pytest.raises(InvalidInputError, match="not valid"):
            validate_name(bad, "dataset")


def test_missing_dataset_lists_valid_names(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    with pytest.raises(NotFoundError, match="No dataset 'topcs'.*Did you mean 'topics'"):
        ws.dataset("topcs")


def test_a_second_writer_is_refused_while_one_runs(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    other = Workspace(ws.path)
    with ws.writing():
        with pytest.raises(WorkspaceError, match=r"Another embedlab run \(pid \d+\) is writing"):
            embed(other, "topics", "tfidf-svd", params={"min_df": 1})
        with ws.writing():  # re-entrant for the holder
            pass
    assert embed(other, "topics", "tfidf-svd", params={"min_df": 1}).space.dim > 0


def test_tiny_dataset_goes_through_graph_and_maps(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("red apple\ngreen pear\nyellow banana\nred cherry\nblue sky\nsea\n", "utf-8")
    ingest(ws, "tiny", path)
    embed(ws, "tiny", "minilm")
    assert neighbors(ws, "tiny", "minilm", k=5).k == 5
    for method in ("umap", "tsne", "pca"):
        assert project_space(ws, "tiny", "minilm", method=method).coords.shape == (6, 2)


def test_bad_projection_stores_nothing(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    with pytest.raises(Exception, match="2 or 3 dimensions"):
        project_space(ws, "topics", "tfidf-svd", method="umap", dims=4)
    assert ws.result("neighbors", "topics", "tfidf-svd") is None


def test_tsne_grows_the_stored_graph_once(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    embed(ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    project_space(ws, "topics", "tfidf-svd", method="tsne")
    graph_entry = ws.result("neighbors", "topics", "tfidf-svd")
    assert graph_entry is not None and graph_entry.meta["k"] == 29
    project_space(ws, "topics", "tfidf-svd", method="umap")
    assert ws.result("neighbors", "topics", "tfidf-svd").run_id == graph_entry.run_id


def test_quality_columns_follow_their_space(ws: Workspace) -> None:
    from embedlab.pipeline.quality import quality

    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pca", params={"n_components": 10})
    report = quality(ws, "digits", "pca")
    entry = ws.result("columns", "digits", "quality-pca")
    assert entry is not None and entry.meta["space"] == "pca"
    table = ws.open_table(entry).to_arrow()
    assert table.column("id").to_pylist() == ws.dataset("digits").ids()
    assert {"outlier_flag", "label_issue_score", "suggested_label"} <= set(table.column_names)
    assert int(table.column("label_issue_flag").to_numpy().sum()) == len(
        [i for i in report.issues() if i["issue"] == "label_issue"]
    )
    embed(ws, "digits", "pca", params={"n_components": 12})
    assert ws.result("columns", "digits", "quality-pca") is None
