"""Laplacian eigenmaps (Belkin & Niyogi, 2003): the baseline the walk methods improve on.

The graph is made undirected (A + A^T for a directed one); with D its degrees, the embedding is
D^-1/2 times the eigenvectors of the normalised adjacency D^-1/2 A D^-1/2 with the largest
eigenvalues after the first (the smallest of the normalised Laplacian I - D^-1/2 A D^-1/2),
found by scipy's ARPACK (`eigsh`) on large graphs and a dense solver on small ones. Only smooth
eigenvectors are kept (eigenvalue > 0: on a small graph asking for many components would
otherwise bring in ones that give neighbours opposite signs). Signs are
fixed (largest entry positive) so that the same graph gives the same vectors. Isolated nodes get
zero vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab.methods.base import Embedder, register
from embedlab.methods.graph.deepwalk import node_rows
from embedlab.methods.graph.input import as_graph_input

DENSE_NODES = 2_000  # below this, a dense eigensolver is faster and never fails to converge


@register
class SpectralEmbedding(Embedder):
    """Laplacian eigenmaps of the (symmetrised) graph: n_components eigenvectors per node."""

    name = "spectral"
    modality = "graph"
    summary = "Laplacian eigenmaps (normalised Laplacian, scipy eigsh): the graph baseline"

    vectors_: np.ndarray

    def __init__(self, *, n_components: int = 16, seed: int = 0) -> None:
        self.n_components = n_components
        self.seed = seed

    def _validate_params(self) -> None:
        for name in ("n_components", "seed"):
            value = getattr(self, name)
            ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
            minimum = 1 if name == "n_components" else 0
            self._check_param(name, ok and value >= minimum, f"an int >= {minimum}")

    def fit(self, X: Any) -> SpectralEmbedding:
        """Eigenvectors of the normalised adjacency: at most n_components, and only smooth ones
        (the number kept is `dimension_`, reported as 'components')."""
        self._validate_params()
        graph = as_graph_input(X, type(self).__name__)
        adjacency = graph.to_scipy()
        if graph.directed:
            adjacency = adjacency + adjacency.T
        n = graph.n_nodes
        components = max(1, min(self.n_components, n - 1))
        degrees = np.asarray(adjacency.sum(axis=1)).ravel()
        scale = np.where(degrees > 0, 1.0 / np.sqrt(np.where(degrees > 0, degrees, 1.0)), 0.0)
        from scipy import sparse

        normalised = sparse.diags(scale) @ adjacency @ sparse.diags(scale)
        vectors, values = _top_eigenvectors(normalised, components + 1, self.seed)
        smooth = np.flatnonzero(values[1:] > 0)[:components] + 1  # skip the trivial first one
        embedding = scale[:, None] * vectors[:, smooth]
        if embedding.shape[1] == 0:  # one node, or no smooth eigenvector
            embedding = np.zeros((n, 1))
        signs = np.sign(embedding[np.abs(embedding).argmax(axis=0), np.arange(embedding.shape[1])])
        embedding *= np.where(signs == 0, 1.0, signs)
        self.vectors_ = np.ascontiguousarray(embedding, dtype=np.float32)
        self.dimension_ = int(self.vectors_.shape[1])
        self.report_ = {
            "nodes": n,
            "components": self.dimension_,
            "eigenvalues": [round(float(v), 6) for v in values[1:6]],
            "isolated_nodes": int((degrees == 0).sum()),
        }
        return self

    def transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return node_rows(self.vectors_, as_graph_input(X, type(self).__name__), "SpectralEmbedding")

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"vectors": self.vectors_}

    def set_state(self, state: dict[str, np.ndarray]) -> SpectralEmbedding:
        self.vectors_ = np.ascontiguousarray(state["vectors"], dtype=np.float32)
        self.dimension_ = int(self.vectors_.shape[1])
        self.report_ = {"nodes": int(self.vectors_.shape[0])}
        return self


def _top_eigenvectors(matrix: Any, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The k eigenvectors of a symmetric matrix with the largest eigenvalues, largest first."""
    n = matrix.shape[0]
    k = min(k, n)
    if n <= DENSE_NODES or k >= n - 1:
        from scipy.linalg import eigh

        values, vectors = eigh(matrix.toarray(), subset_by_index=[n - k, n - 1])
    else:
        from scipy.sparse.linalg import eigsh

        start = np.random.default_rng(seed).uniform(-1, 1, n)
        values, vectors = eigsh(matrix, k=k, which="LA", v0=start, tol=1e-6)
    order = np.argsort(-values)
    return vectors[:, order], values[order]
