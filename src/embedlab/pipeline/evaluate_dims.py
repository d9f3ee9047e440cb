"""Evaluations at a chosen size: how much a space loses when projected to fewer dimensions
(`evaluate --dims`: the speed/storage/accuracy trade-off), and a learned space against PCA of
the same input at the same dimension (`evaluate --against pca`)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embedlab import progress
from embedlab.analysis.evaluate import (
    ProbeResult,
    knn_accuracy,
    label_precision_at_k,
    probe,
    train_test_rows,
)
from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder
from embedlab.methods.image import PixelsPCA
from embedlab.methods.linear import PCAEmbedder
from embedlab.methods.projected import PROJECTION_SAMPLE
from embedlab.pipeline.embed import load_estimator, method_input, take_inputs
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace

#: queries of the retrieval check (a seeded sample of the test items): enough for +-0.01
MAX_QUERIES = 2000
BYTES_PER_FLOAT = 4


@dataclass
class DimsResult:
    """Retrieval and kNN accuracy of a space at one size, and what an item costs to store."""

    space: str
    dims: int
    bytes_per_item: int
    precision_at_k: float
    knn: float
    explained_variance: float | None
    n_queries: int
    n_test: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _labels_and_split(
    dataset: Dataset, label: str | None, seed: int
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    column = label or dataset.label_column
    if column is None:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' has no label column; name the column to predict with "
            "--label."
        )
    labels = np.asarray(dataset.column(column), dtype=object)
    split = dataset.column("split") if "split" in dataset.columns else None
    train, test = train_test_rows(labels, split, seed=seed)
    return column, labels, train, test


def check_sizes(dims: list[int], space: Space) -> list[int]:
    """The sizes asked for, largest first, each in [1, the space's dimension]."""
    if not dims:
        raise InvalidInputError("--dims needs at least one size, e.g. --dims 256,128,64,32.")
    for size in dims:
        if not 1 <= size <= space.dim:
            raise InvalidInputError(
                f"--dims {size} is out of range for space '{space.name}': sizes must be in "
                f"[1, {space.dim}] (its dimension)."
            )
    return sorted(set(dims), reverse=True)


def evaluate_dims(
    workspace: Workspace,
    name: str,
    space: str,
    dims: list[int],
    *,
    label: str | None = None,
    k: int = 10,
    seed: int = 0,
) -> list[DimsResult]:
    """The space at its own size and projected onto its first principal components at each of
    `dims` (fitted as `--param dims=N` fits them, on the first items): label precision@k of
    the test items' neighbours among all labelled items, kNN accuracy, bytes per item."""
    dataset = workspace.dataset(name)
    space_obj = workspace.space(name, space)
    sizes = check_sizes(dims, space_obj)
    column, labels, train, test = _labels_and_split(dataset, label, seed)
    vectors = space_obj.vectors()
    rng = np.random.default_rng(seed)
    queries = np.sort(rng.choice(test, min(len(test), MAX_QUERIES), replace=False))
    base = np.sort(np.concatenate([train, test]))
    sample = vectors[: min(len(vectors), PROJECTION_SAMPLE)]
    results = []
    full = [space_obj.dim] if space_obj.dim not in sizes else []
    steps = full + sizes
    with progress.task(f"Evaluating '{space}' at {len(steps)} size(s)", total=len(steps)) as bar:
        for size in steps:
            started = time.perf_counter()
            explained = None
            projected = vectors
            if size < space_obj.dim:
                pca = PCAEmbedder(n_components=size, standardize=False, seed=seed).fit(sample)
                projected = pca.transform(vectors)
                explained = float(pca.report_["explained_variance"])
            precision = label_precision_at_k(projected, labels, queries, base, k)
            accuracy = knn_accuracy(projected, labels, train, test, k)
            results.append(
                DimsResult(
                    space,
                    size,
                    size * BYTES_PER_FLOAT,
                    round(precision, 4),
                    round(accuracy, 4),
                    explained,
                    len(queries),
                    len(test),
                    round(time.perf_counter() - started, 2),
                )
            )
            bar.advance(1)
    _record(
        workspace,
        name,
        "dims",
        {"label": column, "space": space, "dims": sizes, "k": k},
        seed,
        [r.to_dict() for r in results],
    )
    return results


def evaluate_against_pca(
    workspace: Workspace,
    name: str,
    spaces: list[str],
    *,
    label: str | None = None,
    k: int = 10,
    seed: int = 0,
) -> list[ProbeResult]:
    """Each space beside PCA of the same input at the same dimension (pixels at the size and
    colour the method used, or its standardised columns), fitted on every item as `embed`
    fits: reconstruction error (methods that rebuild their input), linear probe and kNN."""
    dataset = workspace.dataset(name)
    column, labels, train, test = _labels_and_split(dataset, label, seed)
    if not spaces:
        raise InvalidInputError(
            "--against pca needs the spaces to compare named, e.g. autoencoder."
        )
    results = []
    for space_name in spaces:
        space = workspace.space(name, space_name)
        estimator = load_estimator(workspace, space)
        inputs, _ = method_input(dataset, estimator, space.meta.get("columns"), workspace)
        baseline = _pca_like(estimator, space)
        started = time.perf_counter()
        with progress.task(f"PCA at {space.dim} dimensions beside '{space_name}'", total=None):
            pca_vectors = baseline.fit_transform(take_inputs(inputs, np.arange(len(inputs))))
        fitted_s = time.perf_counter() - started
        test_inputs = take_inputs(inputs, test)
        for label_name, vectors, model in (
            (space_name, space.vectors(), estimator),
            (f"pca@{space.dim} (baseline)", pca_vectors, baseline),
        ):
            result = probe(label_name, vectors, labels, train, test, k=k, seed=seed)
            if hasattr(model, "reconstruction_error"):
                error = float(np.mean(model.reconstruction_error(test_inputs)))
                result.reconstruction_mse = round(error, 6)
            results.append(result)
        results[-1].embed_seconds = round(fitted_s, 2)
    params = {"label": column, "spaces": spaces, "against": "pca", "k": k}
    _record(workspace, name, "linear-probe+knn", params, seed, [r.to_dict() for r in results])
    return results


def _pca_like(estimator: Embedder, space: Space) -> Embedder:
    """PCA of the input the space's method took, at the space's dimension."""
    if space.meta.get("modality") == "image" or estimator.modality == "image":
        channels = getattr(estimator, "channels_", None)
        colour = {1: "grey", 3: "rgb"}.get(channels, "auto")  # type: ignore[arg-type]
        size = int(getattr(estimator, "size_", 0))
        return PixelsPCA(size=size, colour=colour, n_components=space.dim, seed=0)
    if estimator.modality == "numeric":
        return PCAEmbedder(n_components=space.dim, standardize=True)
    raise InvalidInputError(
        f"--against pca compares with PCA of the method's input, images or numeric columns; "
        f"space '{space.name}' was made by '{space.method}' from {estimator.modality} data."
    )


def _record(
    workspace: Workspace,
    name: str,
    method: str,
    params: dict[str, Any],
    seed: int,
    results: list[dict[str, Any]],
) -> None:
    run = RunRecord(kind="evaluate", dataset=name, method=method, params=params, seed=seed)
    run.report = {"results": results}
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
