"""`GraphInput`: the input of a graph method, a CSR adjacency over node rows.

An undirected graph holds each edge in both directions; a directed one only source -> target.
Neighbours are sorted within a row (node2vec's adjacency test is a binary search). Selecting
rows (`graph[rows]`, what the embed pipeline does batch by batch) keeps the whole graph and
says which nodes' vectors `transform` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError


@dataclass(frozen=True)
class GraphInput:
    """CSR arrays of a graph (`indptr` int64, `indices` int32, `weights` float32)."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    directed: bool = False
    weighted: bool = False
    rows: np.ndarray | None = None  # the nodes `transform` embeds; None = all, in row order

    @classmethod
    def from_edges(
        cls,
        source_rows: Any,
        target_rows: Any,
        weights: Any = None,
        *,
        n_nodes: int,
        directed: bool = False,
    ) -> GraphInput:
        """From an edge table (row numbers); duplicate edges are summed, undirected edges
        mirrored (a self-loop once)."""
        from scipy import sparse

        src = np.asarray(source_rows, dtype=np.int64)
        tgt = np.asarray(target_rows, dtype=np.int64)
        w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
        if len(src) and (min(src.min(), tgt.min()) < 0 or max(src.max(), tgt.max()) >= n_nodes):
            raise InvalidInputError(
                f"Edge rows must lie in [0, {n_nodes - 1}] for a graph of {n_nodes} nodes; got "
                f"rows from {min(src.min(), tgt.min())} to {max(src.max(), tgt.max())}."
            )
        if not directed:
            loops = src == tgt
            src, tgt, w = (
                np.concatenate([src, tgt[~loops]]),
                np.concatenate([tgt, src[~loops]]),
                np.concatenate([w, w[~loops]]),
            )
        matrix = sparse.csr_matrix((w, (src, tgt)), shape=(n_nodes, n_nodes))
        matrix.sum_duplicates()
        matrix.sort_indices()
        return cls(
            indptr=matrix.indptr.astype(np.int64),
            indices=matrix.indices.astype(np.int32),
            weights=matrix.data.astype(np.float32),
            directed=directed,
            weighted=bool(len(w) and not np.all(matrix.data == 1)),
        )

    @classmethod
    def from_matrix(cls, matrix: Any, *, directed: bool = False) -> GraphInput:
        """From a square (sparse or dense) adjacency matrix; undirected unless said otherwise."""
        from scipy import sparse

        coo = sparse.coo_matrix(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise InvalidInputError(f"An adjacency matrix must be square; got shape {coo.shape}.")
        if not directed:  # keep one triangle: from_edges mirrors it back
            keep = coo.row <= coo.col
            coo = sparse.coo_matrix(
                (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=coo.shape
            )
        return cls.from_edges(coo.row, coo.col, coo.data, n_nodes=coo.shape[0], directed=directed)

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Stored arcs (an undirected edge counts twice, a self-loop once)."""
        return len(self.indices)

    def __len__(self) -> int:
        return self.n_nodes if self.rows is None else len(self.rows)

    def __getitem__(self, rows: Any) -> GraphInput:
        return replace(self, rows=self.selected_rows()[np.asarray(rows, dtype=np.int64)])

    def selected_rows(self) -> np.ndarray:
        return np.arange(self.n_nodes) if self.rows is None else self.rows

    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    def to_scipy(self) -> Any:
        from scipy import sparse

        return sparse.csr_matrix(
            (self.weights, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes)
        )


def as_graph_input(X: Any, method: str) -> GraphInput:
    """A GraphInput, or one made from a square adjacency matrix or a networkx graph."""
    if isinstance(X, GraphInput):
        if X.n_nodes == 0:
            raise InvalidInputError(f"{method} got a graph with no nodes.")
        return X
    if type(X).__module__.startswith("networkx"):
        import networkx as nx

        return GraphInput.from_matrix(nx.to_scipy_sparse_array(X), directed=X.is_directed())
    if hasattr(X, "shape") and len(getattr(X, "shape", ())) == 2:
        return GraphInput.from_matrix(X)
    raise InvalidInputError(
        f"{method} embeds the nodes of a graph: expected a GraphInput, a square adjacency "
        f"matrix or a networkx graph; got {type(X).__name__}."
    )
