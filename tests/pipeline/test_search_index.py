"""The persisted search index of a space: built once, reused, dropped when the space is embedded
again, equal to exact search on small data; and the embed rewrite that streams in row order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from embedlab.analysis.index import ExactIndex, HnswIndex
from embedlab.analysis.neighbors import normalize_rows
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline import embed as embed_module
from embedlab.pipeline import index as index_module
from embedlab.pipeline.embed import embed, in_row_order
from embedlab.pipeline.graph import neighbors
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.search import search
from embedlab.store.workspace import Workspace, vectors_to_arrow

PCA = {"n_components": 6}


@pytest.fixture
def numbers(ws: Workspace, tmp_path: Path) -> Workspace:
    """300 items in 12 numeric columns, three seeded clusters, embedded by PCA."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 12)) * 3
    values = centres[np.arange(300) % 3] + rng.normal(size=(300, 12))
    path = tmp_path / "numbers.csv"
    header = ",".join(["key"] + [f"x{j}" for j in range(12)])
    rows = [",".join([f"item-{i}"] + [f"{v:.5f}" for v in row]) for i, row in enumerate(values)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    ingest(ws, "n", path, id="key")
    embed(ws, "n", "pca", params=PCA)
    index_module._CACHE.clear()
    return ws


def _index_runs(ws: Workspace) -> int:
    return [r.kind for r in ws.manifest.runs("n")].count("index")


def test_the_index_is_built_once_and_reused_from_disk(numbers: Workspace) -> None:
    first = search(numbers, "n", "pca", "item-0", by="id", k=5)
    entry = numbers.result("index", "n", "pca")
    assert entry is not None and entry.meta["backend"] == "exact" and _index_runs(numbers) == 1
    assert (numbers.index_folder(entry.table) / "unit.npy").is_file()
    index_module._CACHE.clear()  # a new process: the index is read back, not built
    again = search(numbers, "n", "pca", "item-0", by="id", k=5)
    assert _index_runs(numbers) == 1 and numbers.result("index", "n", "pca") == entry
    assert [h.id for h in again] == [h.id for h in first]


def test_embedding_again_drops_the_index(numbers: Workspace) -> None:
    search(numbers, "n", "pca", "item-1", by="id")
    old = numbers.result("index", "n", "pca")
    assert old is not None
    embed(numbers, "n", "pca", params=PCA, force=True)
    assert numbers.result("index", "n", "pca") is None
    assert not numbers.index_folder(old.table).exists()
    search(numbers, "n", "pca", "item-1", by="id")
    assert _index_runs(numbers) == 2


def test_hnsw_search_equals_exact_search_on_small_data(
    numbers: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "EXACT_SEARCH_MAX_ITEMS", 100)
    monkeypatch.setattr(index_module, "BUILD_THREADS", 1)
    space = numbers.space("n", "pca")
    unit = normalize_rows(space.vectors())
    exact = ExactIndex().build(unit)
    for row in (0, 77, 299):
        hits = search(numbers, "n", "pca", space.vectors()[row], by="vector", k=10)
        rows, sims = exact.query(unit[row], 10)
        assert [h.id for h in hits] == [f"item-{r}" for r in rows[0]]
        np.testing.assert_allclose([h.score for h in hits], sims[0], atol=1e-5)
    entry = numbers.result("index", "n", "pca")
    assert entry is not None and entry.meta["backend"] == "hnsw"
    assert entry.meta["params"]["tuning_recall"] >= 0.97


def test_the_graph_comes_from_the_stored_hnsw_index(
    numbers: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "BUILD_THREADS", 1)
    graph = neighbors(numbers, "n", "pca", k=5, method="hnsw")
    assert graph.method == "hnsw" and graph.indices.shape == (300, 5)
    assert graph.recall is not None and graph.recall >= 0.95
    assert numbers.result("index", "n", "pca").meta["backend"] == "hnsw"
    exact = neighbors(numbers, "n", "pca", k=5, method="exact", force=True)
    pairs = zip(exact.indices, graph.indices, strict=True)
    assert np.mean([len(set(a) & set(b)) for a, b in pairs]) >= 4.75
    search(numbers, "n", "pca", "item-3", by="id", k=8)
    assert _index_runs(numbers) == 1, "search reads the index the graph built"


def test_index_errors(numbers: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="Unknown index 'ivf'"):
        index_module.space_index(numbers, numbers.space("n", "pca"), "ivf")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="No item with id 'nope' in dataset 'n' \\(300 items"):
        search(numbers, "n", "pca", "nope", by="id")
    entry = numbers.result("index", "n", "pca")
    (numbers.index_folder(entry.table) / "unit.npy").unlink()
    index_module._CACHE.clear()
    with pytest.raises(NotFoundError, match="missing its vectors"):
        search(numbers, "n", "pca", "item-0", by="id")


def test_a_saved_hnsw_index_of_another_size_is_refused(tmp_path: Path) -> None:
    unit = normalize_rows(np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32))
    HnswIndex(build_threads=1).build(unit).save(tmp_path / "h")
    with pytest.raises(InvalidInputError, match="holds 50 rows; the space has 60"):
        HnswIndex.load(tmp_path / "h", np.vstack([unit, unit[:10]]))


def test_the_rewrite_streams_rows_back_in_dataset_order(ws: Workspace) -> None:
    order = np.random.default_rng(0).permutation(40)  # the order batches were embedded in
    vectors = np.arange(40 * 3, dtype=np.float32).reshape(40, 3)
    table = ws.create_empty_table("t", embed_module.space_schema(3))
    for start in range(0, 40, 7):
        rows = order[start : start + 7]
        batch = {
            "row": pa.array(rows, pa.int64()),
            "id": pa.array([f"i{r}" for r in rows]),
            "vector": vectors_to_arrow(vectors[rows]),
            "counts": pa.array([None] * len(rows), pa.string()),
        }
        table.add(pa.table(batch))
    stored = table.search().select(["row"]).limit(None).to_arrow().column("row").to_numpy()
    out = in_row_order(table, np.argsort(stored, kind="stable"), 3, block_rows=6).read_all()
    assert out.column("row").to_pylist() == list(range(40))
    assert out.column("id").to_pylist() == [f"i{r}" for r in range(40)]
    np.testing.assert_array_equal(np.stack(out.column("vector").to_pylist()), vectors)


def test_embed_in_small_batches_stores_rows_in_dataset_order(
    ws: Workspace, topics_csv: Path
) -> None:
    ingest(ws, "topics", topics_csv, text="body", id="doc")
    space = embed(
        ws, "topics", "tfidf-svd", params={"n_components": 4, "min_df": 1}, batch_rows=4
    ).space
    assert space.ids() == ws.dataset("topics").ids()
    rows = space.table.search().select(["row"]).limit(None).to_arrow().column("row")
    assert rows.to_pylist() == list(range(30))
