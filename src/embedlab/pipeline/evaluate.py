"""`evaluate`: downstream accuracy of a dataset's spaces (and of raw pixels, for images)."""

from __future__ import annotations

import time

import numpy as np

from embedlab import progress
from embedlab.analysis.evaluate import ProbeResult, probe, train_test_rows
from embedlab.errors import InvalidInputError
from embedlab.methods.graph import SpectralEmbedding
from embedlab.methods.image import pixel_format, pixel_matrix
from embedlab.pipeline.embed import ImageSequence
from embedlab.pipeline.graphs import graph_input, is_graph
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace

RAW_PIXELS = "raw pixels"
SPECTRAL_BASELINE = "spectral (baseline)"


def evaluate(
    workspace: Workspace,
    name: str,
    spaces: list[str] | None = None,
    *,
    label: str | None = None,
    pixels_baseline: bool = True,
    k: int = 10,
    seed: int = 0,
    spectral_baseline: bool = True,
) -> list[ProbeResult]:
    """Linear-probe and kNN accuracy of each space (default: all) predicting `label`, on the
    same split; image datasets also get the raw-pixel baseline, graphs Laplacian eigenmaps
    (unless a spectral space is evaluated). Recorded in the manifest."""
    dataset = workspace.dataset(name)
    column = label or dataset.label_column
    if column is None:
        raise InvalidInputError(
            f"Dataset '{name}' has no label column; name the column to predict with --label."
        )
    labels = np.asarray(dataset.column(column), dtype=object)
    split = dataset.column("split") if "split" in dataset.columns else None
    train, test = train_test_rows(labels, split, seed=seed)
    durations = {r.run_id: r.duration_s for r in workspace.manifest.runs(name)}
    results = []
    names = spaces if spaces is not None else workspace.space_names(name)
    with progress.task(f"Evaluating {len(names)} space(s) on '{column}'", total=len(names)) as bar:
        for space_name in names:
            space = workspace.space(name, space_name)
            result = probe(space_name, space.vectors(), labels, train, test, k=k, seed=seed)
            result.embed_seconds = durations.get(space.entry.run_id)
            results.append(result)
            bar.advance(1)
    if pixels_baseline and dataset.meta.get("image_column"):
        results.append(_raw_pixels(dataset, labels, train, test, k, seed))
    spectral_spaces = [s for s in names if workspace.space(name, s).method == "spectral"]
    if spectral_baseline and is_graph(dataset) and not spectral_spaces:
        started = time.perf_counter()
        vectors = SpectralEmbedding(seed=seed).fit_transform(graph_input(workspace, dataset))
        result = probe(SPECTRAL_BASELINE, vectors, labels, train, test, k=k, seed=seed)
        result.embed_seconds = round(time.perf_counter() - started - result.seconds, 2)
        results.append(result)
    run = RunRecord(
        kind="evaluate",
        dataset=name,
        method="linear-probe+knn",
        params={"label": column, "spaces": names, "k": k},
        seed=seed,
    )
    run.report = {"results": [r.to_dict() for r in results]}
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
    return results


def _raw_pixels(
    dataset: Dataset, labels: np.ndarray, train: np.ndarray, test: np.ndarray, k: int, seed: int
) -> ProbeResult:
    started = time.perf_counter()
    images = list(ImageSequence(dataset, dataset.meta["image_column"]))
    size, grey = pixel_format(images)
    pixels = pixel_matrix(images, size, grey)
    result = probe(RAW_PIXELS, pixels, labels, train, test, k=k, seed=seed)
    result.embed_seconds = round(time.perf_counter() - started - result.seconds, 2)
    return result
