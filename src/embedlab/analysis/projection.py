"""2-D and 3-D maps of a space: PCA, UMAP (fed the stored neighbour graph) or t-SNE (openTSNE).

All three are seeded: the same vectors, graph and seed give the same coordinates.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Literal

import numpy as np

from embedlab import progress
from embedlab.analysis.neighbors import NeighborGraph, build_neighbor_graph, normalize_rows
from embedlab.errors import InvalidInputError

ProjectionMethod = Literal["pca", "umap", "tsne"]
PROJECTION_METHODS: tuple[str, ...] = ("pca", "umap", "tsne")
UMAP_NEIGHBOURS = 15
UMAP_MIN_DIST = 0.1


def check_projection(method: str, dims: int, n_items: int) -> None:
    """Refuse an unknown method, a dimension other than 2 or 3, or too few items."""
    if method not in PROJECTION_METHODS:
        raise InvalidInputError(
            f"Unknown projection method {method!r}; use one of {', '.join(PROJECTION_METHODS)}."
        )
    if dims not in (2, 3):
        raise InvalidInputError(f"Projections have 2 or 3 dimensions; got dims={dims!r}.")
    if n_items <= dims + 1:
        raise InvalidInputError(
            f"A {dims}-D projection needs more than {dims + 1} items; got {n_items}."
        )


def neighbours_needed(method: str, n_items: int, perplexity: float = 30.0) -> int:
    """Graph size a method uses: UMAP's n_neighbors, or 3 x perplexity for t-SNE."""
    if method == "tsne":
        return min(n_items - 1, int(3 * min(perplexity, (n_items - 1) / 3)))
    return min(UMAP_NEIGHBOURS, n_items - 1)


def project(
    vectors: np.ndarray,
    method: ProjectionMethod = "umap",
    dims: int = 2,
    *,
    graph: NeighborGraph | None = None,
    seed: int = 0,
    perplexity: float = 30.0,
    min_dist: float = UMAP_MIN_DIST,
) -> np.ndarray:
    """(n, dims) float32 coordinates of `vectors`.

    UMAP and t-SNE reuse `graph` when given (UMAP takes its k as n_neighbors; t-SNE needs
    3 x perplexity neighbours and builds a larger graph when `graph` is smaller).
    """
    unit = normalize_rows(vectors)
    n = unit.shape[0]
    check_projection(method, dims, n)
    with progress.task(f"{method.upper()} projection to {dims}-D", total=None):
        if method == "pca":
            coords = _pca(unit, dims, seed)
        elif method == "umap":
            graph = graph or build_neighbor_graph(unit, k=neighbours_needed("umap", n))
            coords = _umap(unit, dims, graph, seed, min_dist)
        else:
            coords = _tsne(unit, dims, graph, seed, perplexity)
    return np.ascontiguousarray(coords, dtype=np.float32)


def _pca(unit: np.ndarray, dims: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=dims, random_state=seed).fit_transform(unit)


def _with_self(graph: NeighborGraph) -> tuple[np.ndarray, np.ndarray]:
    """UMAP expects each row's first neighbour to be itself at distance 0."""
    n = graph.indices.shape[0]
    indices = np.hstack([np.arange(n, dtype=np.int64)[:, None], graph.indices.astype(np.int64)])
    distances = np.hstack([np.zeros((n, 1), np.float32), graph.distances.astype(np.float32)])
    return indices, distances


def _umap(
    unit: np.ndarray, dims: int, graph: NeighborGraph, seed: int, min_dist: float
) -> np.ndarray:
    import umap

    indices, distances = _with_self(graph)
    width = min(indices.shape[1], unit.shape[0] - 1)  # UMAP wants fewer neighbours than items
    indices, distances = indices[:, :width], distances[:, :width]
    reducer = umap.UMAP(
        n_components=dims,
        n_neighbors=width,
        metric="cosine",
        min_dist=min_dist,
        random_state=seed,
        precomputed_knn=(indices, distances, None),
        low_memory=True,
        verbose=False,
    )
    with warnings.catch_warnings():
        # seeded UMAP runs single-threaded by design; that warning is expected here
        warnings.filterwarnings("ignore", message=".*n_jobs.*")
        warnings.filterwarnings("ignore", message=".*precomputed_knn.*")
        return reducer.fit_transform(unit)


def _tsne(
    unit: np.ndarray, dims: int, graph: NeighborGraph | None, seed: int, perplexity: float
) -> np.ndarray:
    from openTSNE import TSNE, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    n = unit.shape[0]
    needed = neighbours_needed("tsne", n, perplexity)
    perplexity = min(perplexity, (n - 1) / 3)
    if graph is None or graph.k < needed:
        graph = build_neighbor_graph(unit, k=needed)
    logging.getLogger("openTSNE").setLevel(logging.ERROR)
    knn = PrecomputedNeighbors(
        graph.indices[:, :needed].astype(np.int64), graph.distances[:, :needed].astype(np.float64)
    )
    affinities = affinity.PerplexityBasedNN(knn_index=knn, perplexity=perplexity, random_state=seed)
    init = initialization.pca(unit, n_components=dims, random_state=seed)
    tsne = TSNE(
        n_components=dims,
        random_state=seed,
        n_jobs=os.cpu_count() or 1,
        negative_gradient_method="fft" if dims <= 2 else "bh",
    )
    return np.asarray(tsne.fit(affinities=affinities, initialization=init))
