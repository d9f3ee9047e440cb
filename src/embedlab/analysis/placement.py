"""Placing new items on an existing map without moving the old points.

Three ways, best first:
- `umap-transform`: UMAP's own transform (umap-learn's `UMAP.transform` steps: fuzzy
  membership of each new item to its k nearest old items, initial position at their weighted
  mean, then the layout optimised for the new points only, the old ones fixed). A stored UMAP
  map keeps what that needs: its coordinates (the fitted embedding), the space's vectors (the
  training data) and its parameters (n_neighbors, min_dist, seed). `UMAP.transform` itself is
  not callable on it because it wants the search index of the fit, which is not stored; the
  neighbours are searched exactly here instead.
- `pca-transform`: a PCA map is refitted on the old vectors (seeded, so the same fit, which is
  checked against the stored coordinates) and the new vectors projected by it.
- `neighbours`: any other map (t-SNE): each new item at the mean of its k nearest old items'
  coordinates (nearest in the full space), weighted by inverse cosine distance.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from embedlab.analysis.exact_search import top_k_cosine
from embedlab.analysis.neighbors import normalize_rows

Placement = Literal["umap-transform", "pca-transform", "neighbours"]
PLACEMENT_NEIGHBOURS = 10  # old neighbours a new item is placed among (not UMAP's transform)
COSINE_DISCONNECTED = 2.0  # umap-learn's disconnection distance for the cosine metric
UMAP_SPREAD = 1.0
INT32_MIN, INT32_MAX = -(2**31) + 1, 2**31 - 2  # umap-learn's bounds for its random state
PCA_MATCH_TOLERANCE = 1e-3  # of the map's extent: a refit that moves points more is not used


def nearest_old(
    old_vectors: np.ndarray, new_vectors: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each new item's k nearest old items, exactly: (indices, cosine distances), best first."""
    indices, sims = top_k_cosine(
        normalize_rows(new_vectors),
        normalize_rows(old_vectors),
        k,
        description="Nearest old items of the new ones",
    )
    return indices, np.clip(1.0 - sims, 0.0, 2.0).astype(np.float32)


def place_by_neighbours(
    old_coords: np.ndarray, indices: np.ndarray, distances: np.ndarray
) -> np.ndarray:
    """The mean of each new item's neighbours' coordinates, weighted by 1 / cosine distance
    (an exact duplicate of an old item lands on it)."""
    weights = 1.0 / (distances.astype(np.float64) + 1e-6)
    weights /= weights.sum(axis=1, keepdims=True)
    placed = np.einsum("nk,nkd->nd", weights, old_coords[indices].astype(np.float64))
    return np.ascontiguousarray(placed, dtype=np.float32)


def umap_transform(
    old_coords: np.ndarray,
    indices: np.ndarray,
    distances: np.ndarray,
    *,
    min_dist: float,
    seed: int,
) -> np.ndarray:
    """UMAP's transform of new items given their k nearest old items (see the module doc)."""
    import scipy.sparse
    from sklearn.utils import check_random_state
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import (
        compute_membership_strengths,
        find_ab_params,
        init_graph_transform,
        make_epochs_per_sample,
        smooth_knn_dist,
    )

    n_new, k = indices.shape
    n_old = old_coords.shape[0]
    dists = np.ascontiguousarray(distances, dtype=np.float32)
    knn = np.ascontiguousarray(indices, dtype=np.int32)
    knn[dists >= COSINE_DISCONNECTED] = -1
    sigmas, rhos = smooth_knn_dist(dists, float(k), local_connectivity=0.0)
    rows, cols, vals, _ = compute_membership_strengths(knn, dists, sigmas, rhos, bipartite=True)
    graph = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(n_new, n_old))
    csr = graph.tocsr()
    csr.eliminate_zeros()
    tail = np.ascontiguousarray(old_coords, dtype=np.float32)
    embedding = init_graph_transform(csr, tail).astype(np.float32)
    n_epochs = 100 if n_new <= 10_000 else 30
    graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0
    graph.eliminate_zeros()
    a, b = find_ab_params(UMAP_SPREAD, min_dist)
    rng_state = check_random_state(seed).randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        embedding = optimize_layout_euclidean(
            embedding,
            tail.copy(),
            graph.row,
            graph.col,
            n_epochs,
            n_old,
            make_epochs_per_sample(graph.data, n_epochs),
            a,
            b,
            rng_state,
            1.0,  # repulsion strength
            1.0 / 4.0,  # UMAP.transform's learning rate: a quarter of the fit's
            5,  # negative samples
            False,  # seeded: single-threaded, reproducible
        )
    return np.ascontiguousarray(embedding, dtype=np.float32)


def pca_transform(
    old_vectors: np.ndarray, old_coords: np.ndarray, new_vectors: np.ndarray, seed: int
) -> np.ndarray | None:
    """New items through the PCA fit of the old vectors, or None when that refit does not give
    the stored coordinates back (the map was made some other way)."""
    from sklearn.decomposition import PCA

    dims = old_coords.shape[1]
    pca = PCA(n_components=dims, random_state=seed).fit(normalize_rows(old_vectors))
    again = pca.transform(normalize_rows(old_vectors))
    extent = float(np.ptp(old_coords, axis=0).max()) or 1.0
    if np.abs(again - old_coords).max() > PCA_MATCH_TOLERANCE * extent:
        return None
    return np.ascontiguousarray(pca.transform(normalize_rows(new_vectors)), dtype=np.float32)
