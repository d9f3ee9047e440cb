"""Maps that grow: `ingest --append`, an `embed` that embeds only the new items, and
`project --update` placing them on the existing maps without moving the old points.

Real data: scikit-learn's digits (8x8 images as 64 pixel columns), 300 items first, then 60 more
of which 10 are exact copies (new ids) of old items.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.append import append
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space, stored_projection
from embedlab.pipeline.project_update import update_projection
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

N_OLD, N_NEW, N_COPIES = 300, 60, 10
PCA = {"n_components": 16}
MAPS = ("umap", "pca", "tsne")


def write_digits(path: Path, rows: list[int], ids: list[str] | None = None) -> Path:
    digits = load_digits()
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "label", *(f"p{i}" for i in range(64))])
        for n, row in enumerate(rows):
            item = ids[n] if ids else f"d{row}"
            writer.writerow([item, int(digits.target[row]), *(int(v) for v in digits.data[row])])
    return path


def more_rows() -> tuple[list[int], list[str]]:
    """60 new digits: 50 unseen ones and 10 copies of old ones under new ids."""
    rows = list(range(N_OLD, N_OLD + N_NEW - N_COPIES)) + list(range(N_COPIES))
    ids = [f"d{r}" for r in rows[: N_NEW - N_COPIES]] + [f"copy{r}" for r in range(N_COPIES)]
    return rows, ids


def map_bytes(
    ws: Workspace, method: str, dataset: str = "digits", space: str = "pca"
) -> dict[str, bytes]:
    entry = ws.catalog.get("projection", dataset, f"{space}/{method}-2d")
    table = ws.open_table(entry).to_arrow()
    return {axis: table.column(axis).to_numpy().tobytes() for axis in ("x", "y")}


def grow(
    ws: Workspace,
    dataset: str,
    space: str,
    params: dict[str, Any],
    maps: tuple[str, ...],
    more: Path,
) -> dict[str, Any]:
    """Embed the ingested `dataset` as `space` and make `maps`, then append `more`, embed again
    and update every map: what was there before and what each step reported."""
    embed(ws, dataset, space, params=params)
    old_vectors = ws.space(dataset, space).vectors().copy()
    for method in maps:
        project_space(ws, dataset, space, method=method)  # type: ignore[arg-type]
    old_maps = {m: map_bytes(ws, m, dataset, space) for m in maps}
    old_version = ws.dataset(dataset).version
    appended = append(ws, dataset, more)
    embedded = embed(ws, dataset, space, params=params)
    updates = {m: update_projection(ws, dataset, space, method=m) for m in maps}
    return {
        "ws": ws,
        "old_vectors": old_vectors,
        "old_maps": old_maps,
        "old_version": old_version,
        "appended": appended,
        "embedded": embedded,
        "updates": updates,
    }


def updated_map(
    grown: dict[str, Any],
    method: str,
    placement: str,
    counts: tuple[int, int],
    dataset: str,
    space: str,
) -> np.ndarray:
    """The updated `method` map's coordinates, once checked: `counts` (old, new) items, placed
    by `placement`, the old coordinates byte-identical and the new ones after them."""
    ws, update = grown["ws"], grown["updates"][method]
    n_old, n_new = counts
    assert (update.n_old, update.n_placed, update.placement) == (n_old, n_new, placement)
    assert map_bytes(ws, method, dataset, space) == {
        axis: data + update.coords[n_old:, i].astype(np.float32).tobytes()
        for i, (axis, data) in enumerate(grown["old_maps"][method].items())
    }, "old coordinates byte-identical, new ones appended"
    stored = stored_projection(ws, dataset, space, method, 2)
    assert stored is not None and stored.coords.shape == (n_old + n_new, 2), "current again"
    return stored.coords


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A workspace whose dataset, space and three maps were grown by 60 items."""
    folder = tmp_path_factory.mktemp("grow")
    ws = Workspace(folder / "ws")
    ingest(ws, "digits", write_digits(folder / "first.csv", list(range(N_OLD))))
    rows, ids = more_rows()
    return grow(ws, "digits", "pca", PCA, MAPS, write_digits(folder / "more.csv", rows, ids))


@pytest.mark.slow
def test_append_adds_rows_after_the_old_ones(grown: dict[str, Any]) -> None:
    ws, report = grown["ws"], grown["appended"]
    assert report.appended == {"n_before": N_OLD, "n_added": N_NEW, "n_items": N_OLD + N_NEW}
    dataset = ws.dataset("digits")
    ids = dataset.ids()
    assert len(dataset) == len(ids) == N_OLD + N_NEW
    assert ids[:3] == ["d0", "d1", "d2"] and ids[-1] == f"copy{N_COPIES - 1}"
    assert dataset.meta["lineage"] == [{"version": grown["old_version"], "n_items": N_OLD}]
    run = ws.manifest.get(dataset.version)
    assert run is not None and run.method == "ingest-append"
    assert run.report["n_added"] == N_NEW
    # the UMAP map's neighbour graph was of the old items: dropped, not kept stale
    assert ws.entries("neighbors", "digits") == []


@pytest.mark.slow
def test_embed_embeds_only_the_new_items(grown: dict[str, Any]) -> None:
    ws, report = grown["ws"], grown["embedded"]
    assert report.grown_from == N_OLD and report.embedded_rows == N_NEW and not report.reused
    vectors = ws.space("digits", "pca").vectors()
    assert vectors.shape == (N_OLD + N_NEW, 16)
    assert np.array_equal(vectors[:N_OLD], grown["old_vectors"]), "old vectors unchanged"
    # the copies got the vectors of their originals: the PCA fitted on the first 300 was used
    assert np.allclose(vectors[N_OLD + N_NEW - N_COPIES :], vectors[:N_COPIES], atol=1e-5)
    assert report.method_report["explained_variance"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "placement"),
    [("umap", "umap-transform"), ("pca", "pca-transform"), ("tsne", "neighbours")],
)
def test_update_keeps_old_points_and_places_new_ones(
    grown: dict[str, Any], method: str, placement: str
) -> None:
    ws = grown["ws"]
    coords = updated_map(grown, method, placement, (N_OLD, N_NEW), "digits", "pca")
    extent = float(np.ptp(coords[:N_OLD], axis=0).max())
    # copies land on (or, for UMAP's optimised layout, near) their originals
    gap = np.linalg.norm(coords[N_OLD + N_NEW - N_COPIES :] - coords[:N_COPIES], axis=1)
    assert gap.max() < 0.05 * extent, gap
    # new digits land among old ones of the same digit (on a map that separates digits)
    labels = np.asarray(ws.dataset("digits").column("label"))
    new = coords[N_OLD:]
    nearest = ((new[:, None, :] - coords[None, :N_OLD, :]) ** 2).sum(-1).argmin(axis=1)
    agreement = float((labels[N_OLD:] == labels[nearest]).mean())
    assert agreement >= {"umap": 0.8, "tsne": 0.8, "pca": 0.3}[method], agreement


@pytest.mark.slow
def test_update_with_no_new_items_and_before_embedding_is_refused(
    grown: dict[str, Any],
) -> None:
    ws = grown["ws"]
    with pytest.raises(InvalidInputError, match="no new items to place"):
        update_projection(ws, "digits", "pca", method="umap")
    with pytest.raises(NotFoundError, match="No 3-D umap map"):
        update_projection(ws, "digits", "pca", method="umap", dims=3)


@pytest.mark.slow
def test_umap_transform_is_umaps_own() -> None:
    """Given the neighbours UMAP.transform finds, `umap_transform` gives its very coordinates
    (UMAP's steps after the search), and the exact search finds those neighbours."""
    umap = pytest.importorskip("umap")
    from sklearn.metrics import pairwise_distances
    from umap.utils import submatrix

    from embedlab.analysis.neighbors import normalize_rows
    from embedlab.analysis.placement import nearest_old, umap_transform

    unit = normalize_rows(load_digits().data[:260].astype(np.float32))
    old, new = unit[:200], unit[200:]
    reducer = umap.UMAP(n_neighbors=10, metric="cosine", random_state=0).fit(old)
    expected = reducer.transform(new)
    # the search UMAP.transform makes on small data, step by step
    matrix = pairwise_distances(new, old, metric=reducer._input_distance_func)
    indices = np.argpartition(matrix, 10)[:, :10]
    shortened = submatrix(matrix, indices, 10)
    order = np.argsort(shortened)
    indices, distances = submatrix(indices, order, 10), submatrix(shortened, order, 10)
    found, _ = nearest_old(old, new, 10)
    assert (found == indices).mean() > 0.99, "the exact search finds the same neighbours"
    placed = umap_transform(
        reducer.embedding_, indices, distances, min_dist=0.1, seed=reducer.transform_seed
    )
    assert np.allclose(placed, expected, atol=1e-4)


def small_dataset(ws: Workspace, folder: Path) -> None:
    ingest(ws, "digits", write_digits(folder / "first.csv", list(range(40))))


def test_append_refuses_a_duplicate_id_naming_it_and_its_line(
    ws: Workspace, tmp_path: Path
) -> None:
    small_dataset(ws, tmp_path)
    before = ws.dataset("digits").version
    more = write_digits(tmp_path / "more.csv", [50, 51, 52], ["n50", "d7", "n52"])
    with pytest.raises(
        InvalidInputError, match=r"1 id\(s\) are already in dataset 'digits': 'd7' \(line 3\)"
    ):
        append(ws, "digits", more)
    assert ws.dataset("digits").version == before and len(ws.dataset("digits")) == 40


def test_a_repeated_id_written_with_spaces_is_named_with_its_line(
    ws: Workspace, tmp_path: Path
) -> None:
    # 'd7 ' is stored as 'd7', a repeat: the message said "(line unknown)" for it
    small_dataset(ws, tmp_path)
    more = write_digits(tmp_path / "more.csv", [50, 51], ["n50", " d7 "])
    with pytest.raises(InvalidInputError, match=r"'d7' \(line 3\)"):
        append(ws, "digits", more)


def test_append_refuses_other_columns_or_types(ws: Workspace, tmp_path: Path) -> None:
    small_dataset(ws, tmp_path)
    before = ws.dataset("digits").version
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("id,label,p0\nn1,3,0\n")
    with pytest.raises(InvalidInputError, match=r"it lacks p1, p2"):
        append(ws, "digits", fewer)
    extra = tmp_path / "extra.csv"
    header = ",".join(["id", "label", *(f"p{i}" for i in range(64)), "colour"])
    extra.write_text(header + "\nn1,3," + ",".join(["0"] * 64) + ",red\n")
    with pytest.raises(InvalidInputError, match=r"it has colour in addition"):
        append(ws, "digits", extra)
    typed = tmp_path / "typed.csv"
    typed.write_text(header.removesuffix(",colour") + "\nn1,3,dark," + ",".join(["0"] * 63))
    with pytest.raises(InvalidInputError, match=r"Column 'p0' of .* holds .* stores int64"):
        append(ws, "digits", typed)
    assert ws.dataset("digits").version == before


def test_append_to_a_missing_dataset_is_refused(ws: Workspace, tmp_path: Path) -> None:
    more = write_digits(tmp_path / "more.csv", [1])
    with pytest.raises(NotFoundError, match="No dataset 'digits'"):
        append(ws, "digits", more)


def test_reembedding_with_force_drops_the_maps_and_update_says_so(
    ws: Workspace, tmp_path: Path
) -> None:
    small_dataset(ws, tmp_path)
    embed(ws, "digits", "pca", params=PCA)
    project_space(ws, "digits", "pca", method="pca")
    append(ws, "digits", write_digits(tmp_path / "more.csv", [60, 61]))
    with pytest.raises(InvalidInputError, match="has not embedded yet"):
        update_projection(ws, "digits", "pca", method="pca")
    with pytest.raises(NotFoundError, match="has 2 new items that space 'pca' has not embedded"):
        ws.space("digits", "pca")
    embed(ws, "digits", "pca", params=PCA, force=True)
    assert ws.catalog.get("projection", "digits", "pca/pca-2d") is None, "a refit drops maps"
    with pytest.raises(NotFoundError, match="No 2-D pca map"):
        update_projection(ws, "digits", "pca", method="pca")


@pytest.mark.slow
def test_cli_append_embed_update(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = write_digits(tmp_path / "first.csv", list(range(40)))
    more = write_digits(tmp_path / "more.csv", list(range(40, 48)))
    code, _, err = run("ingest", "digits", str(more), "--append")
    assert_clear_error(code, err, "No dataset 'digits'")
    assert run("ingest", "digits", str(first))[0] == 0
    code, _, err = run("ingest", "digits", str(more), "--append", "--text", "p1")
    assert_clear_error(code, err, "leave out --text")
    code, out, err = run("ingest", "digits", str(more), "--append", "--json")
    assert code == 0, err
    assert json.loads(out)["appended"] == {"n_before": 40, "n_added": 8, "n_items": 48}
    code, _, err = run("ingest", "digits", str(more), "--append")
    assert_clear_error(code, err, "8 id(s) are already in dataset 'digits': 'd40' (line 2)")
    assert run("embed", "digits", "--method", "pca", "--param", "n_components=8")[0] == 0
    assert run("project", "digits", "pca", "--method", "pca")[0] == 0
    more2 = write_digits(tmp_path / "more2.csv", list(range(50, 55)))
    assert run("ingest", "digits", str(more2), "--append")[0] == 0
    code, out, err = run(
        "embed", "digits", "--method", "pca", "--param", "n_components=8", "--json"
    )
    assert code == 0 and json.loads(out)["grown_from"] == 48, err
    code, out, err = run("project", "digits", "pca", "--method", "pca", "--update", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert (info["n_old"], info["n_placed"], info["placement"]) == (48, 5, "pca-transform")
    code, _, err = run("project", "digits", "pca", "--method", "pca", "--update")
    assert_clear_error(code, err, "no new items to place")


class StopAfterOneBatch:
    """A row engine that embeds (and commits) one batch as the local engine does, then is
    interrupted: a run killed mid-growth."""

    def embed_rows(self, work: Any) -> None:
        from embedlab.pipeline.embed import _embed_batches, method_input

        inputs, _ = method_input(work.dataset, work.estimator, work.columns)
        rows = work.rows_todo[: work.batch_rows]
        _embed_batches(work.estimator, inputs, work.dataset, rows, work.state, 4, work.total)
        raise KeyboardInterrupt


def test_an_interrupted_growth_resumes_and_keeps_the_map(ws: Workspace, tmp_path: Path) -> None:
    small_dataset(ws, tmp_path)
    embed(ws, "digits", "pca", params=PCA)
    project_space(ws, "digits", "pca", method="pca")
    append(ws, "digits", write_digits(tmp_path / "more.csv", list(range(60, 70))))
    with pytest.raises(KeyboardInterrupt):
        embed(ws, "digits", "pca", params=PCA, batch_rows=4, engine=StopAfterOneBatch())
    report = embed(ws, "digits", "pca", params=PCA, batch_rows=4)
    assert (report.grown_from, report.resumed_rows, report.embedded_rows) == (40, 4, 6)
    assert ws.space("digits", "pca").vectors().shape == (50, 16)
    assert update_projection(ws, "digits", "pca", method="pca").n_placed == 10


def test_append_to_a_graph_is_refused(ws: Workspace, tmp_path: Path) -> None:
    ingest(ws, "club", "sandbox:karate-club")
    more = tmp_path / "more.csv"
    more.write_text("id,club\n99,Mr. Hi\n")
    with pytest.raises(InvalidInputError, match="--append is not supported for a graph dataset"):
        append(ws, "club", more)
