"""Embedding a stored dataset: reuse, method input, and bad input that changes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.methods.transformer import _wordpiece_tokenizer
from embedlab.pipeline.embed import embed
from embedlab.pipeline.export import export_space
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.search import search
from embedlab.store.workspace import Workspace

LSA = {"n_components": 4, "min_df": 1}


@pytest.fixture
def topics(ws: Workspace, topics_csv: Path) -> Workspace:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    return ws


def test_identical_embed_is_reused(topics: Workspace) -> None:
    first = embed(topics, "topics", "tfidf-svd", params=LSA)
    again = embed(topics, "topics", "tfidf-svd", params=LSA)
    assert not first.reused and again.reused
    assert [r.kind for r in topics.manifest.runs("topics")].count("embed") == 1
    forced = embed(topics, "topics", "tfidf-svd", params=LSA, force=True)
    assert not forced.reused


def test_small_batches_give_the_same_vectors(topics: Workspace) -> None:
    whole = embed(topics, "topics", "tfidf-svd", params=LSA).space.vectors()
    batched = embed(
        topics, "topics", "tfidf-svd", space="lsa-batched", params=LSA, batch_rows=7
    ).space.vectors()
    np.testing.assert_allclose(whole, batched, atol=1e-6)


def test_search_by_text_id_and_vector(topics: Workspace) -> None:
    embed(topics, "topics", "minilm")
    hits = search(topics, "topics", "minilm", "a football match and a goal", k=5)
    assert [h.label for h in hits].count("sport") >= 4
    assert hits[0].score >= hits[-1].score
    by_id = search(topics, "topics", "minilm", "space-0", by="id", k=3)
    assert "space-0" not in [h.id for h in by_id] and by_id[0].label == "space"
    padded = search(topics, "topics", "minilm", " space-0 ", by="id", k=3)  # ids are stripped
    assert [h.id for h in padded] == [h.id for h in by_id]
    vector = topics.space("topics", "minilm").vectors()[0]
    assert search(topics, "topics", "minilm", vector, by="vector", k=1)[0].id == "food-0"


def test_search_errors(topics: Workspace) -> None:
    embed(topics, "topics", "minilm")
    with pytest.raises(InvalidInputError, match="has 3 dimensions; space 'minilm' has 384"):
        search(topics, "topics", "minilm", [0.1, 0.2, 0.3], by="vector")
    with pytest.raises(NotFoundError, match="No item with id 'nope'"):
        search(topics, "topics", "minilm", "nope", by="id")
    with pytest.raises(NotFoundError, match="No space 'minlm'.*Did you mean 'minilm'"):
        search(topics, "topics", "minlm", "x")


def test_numeric_space_refuses_text_query(ws: Workspace) -> None:
    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pca", params={"n_components": 10})
    assert ws.space("digits", "pca").meta["columns"][:2] == ["pixel_0", "pixel_1"]
    with pytest.raises(InvalidInputError, match="cannot embed a text query"):
        search(ws, "digits", "pca", "a seven")
    hits = search(ws, "digits", "pca", "0", by="id", k=5)
    assert [h.label for h in hits].count("0") >= 4


def test_nan_in_numeric_column_names_row_id_and_column(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nums.csv"
    path.write_text("key,a,b\nx,1,2\ny,3,\nz,5,6\n", encoding="utf-8")
    ingest(ws, "nums", path, id="key")
    with pytest.raises(InvalidInputError, match="column 'b' has 1 NaN.*row 1 \\(id 'y'\\)"):
        embed(ws, "nums", "pca")
    assert ws.entries("space", "nums") == [], "a refused run stores nothing"


def test_text_method_on_dataset_without_text(ws: Workspace) -> None:
    ingest(ws, "digits", "sandbox:digits")
    with pytest.raises(InvalidInputError, match="has no text column"):
        embed(ws, "digits", "minilm")


def test_onehot_on_categorical_columns(topics: Workspace) -> None:
    report = embed(topics, "topics", "onehot", columns=["topic"])
    assert report.space.dim == 3
    assert report.method_report["sparsity"] == pytest.approx(2 / 3)


def test_unknown_method_and_param(topics: Workspace) -> None:
    with pytest.raises(NotFoundError, match="Unknown method 'word2vek'"):
        embed(topics, "topics", "word2vek")
    with pytest.raises(InvalidInputError, match="no parameter 'windw'"):
        embed(topics, "topics", "tfidf-svd", params={"windw": "3"})


def test_export_parquet_and_npy(topics: Workspace, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    vectors = embed(topics, "topics", "tfidf-svd", params=LSA).space.vectors()
    np.testing.assert_array_equal(
        np.load(export_space(topics, "topics", "tfidf-svd", tmp_path / "v.npy")), vectors
    )
    table = pq.read_table(export_space(topics, "topics", "tfidf-svd", tmp_path / "v.parquet"))
    assert table.column("id").to_pylist()[0] == "food-0"
    assert len(table.column("vector")[0]) == 4
    with pytest.raises(InvalidInputError, match=".parquet"):
        export_space(topics, "topics", "tfidf-svd", tmp_path / "v.csv")


def test_reports_from_batches_are_fit_facts_plus_summed_counts(topics: Workspace) -> None:
    whole = embed(topics, "topics", "tfidf-svd", params=LSA).method_report
    batched = embed(topics, "topics", "tfidf-svd", space="b", params=LSA, batch_rows=7)
    assert batched.method_report == whole, "batch size must not change the report"
    onehot = embed(topics, "topics", "onehot", columns=["topic"], batch_rows=4).method_report
    assert onehot["sparsity"] == pytest.approx(2 / 3) and onehot["unknown_categories"] == 0
    truncated = embed(topics, "topics", "minilm", params={"max_length": 8}, batch_rows=5)
    tokenizer = _wordpiece_tokenizer(512)
    long_texts = sum(len(tokenizer.encode(t).ids) > 8 for t in topics.dataset("topics").texts())
    assert truncated.method_report["truncated"] == long_texts > 5


def test_tfidf_with_a_single_term_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "same.txt"
    path.write_text("hello\nhello\nhello\n", encoding="utf-8")
    ingest(ws, "same", path)
    with pytest.raises(InvalidInputError, match="only 1 distinct term"):
        embed(ws, "same", "tfidf-svd", params={"min_df": 1})


def test_search_by_id_reads_the_stored_graph(topics: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With a current graph of at least k neighbours, an id query is one row of it (the same
    answer as a scan), and the space's vectors are never read."""
    from embedlab.pipeline.graph import neighbors
    from embedlab.store.handles import Space

    embed(topics, "topics", "tfidf-svd", params=LSA)
    scanned = search(topics, "topics", "tfidf-svd", "space-0", by="id", k=4)
    neighbors(topics, "topics", "tfidf-svd", k=5)

    def no_scan(self: Space) -> np.ndarray:
        raise AssertionError("an id query with a stored graph must not read every vector")

    monkeypatch.setattr(Space, "vectors", no_scan)
    from_graph = search(topics, "topics", "tfidf-svd", "space-0", by="id", k=4)
    assert [h.id for h in from_graph] == [h.id for h in scanned]
    assert [h.score for h in from_graph] == pytest.approx([h.score for h in scanned], abs=1e-5)
    # k beyond the graph: the space's stored index answers, still without reading the vectors
    beyond = search(topics, "topics", "tfidf-svd", "space-0", by="id", k=6)
    assert [h.id for h in beyond][:4] == [h.id for h in scanned] and len(beyond) == 6


def test_a_parameter_added_after_a_space_was_made_counts_as_its_default() -> None:
    """A static space stored before `weights` existed is the weights="sif" space (reused and
    grown as such), never the weights="idf" one."""
    from embedlab.pipeline.embed_grow import signature_matches

    before = {"pca_dims": 256, "max_length": 512, "long": "truncate"}
    stored = {"method": "static", "params": before, "columns": ["text"]}
    now = {"method": "static", "params": {**before, "weights": "sif"}, "columns": ["text"]}
    assert signature_matches(stored, now)
    assert not signature_matches(stored, {**now, "params": {**before, "weights": "idf"}})
    assert not signature_matches(stored, {**now, "columns": ["title"]})
    assert not signature_matches({**stored, "params": {**before, "pca_dims": 128}}, now)
