"""A graph dataset's stored edges, read back as what graph methods take (`GraphInput`)."""

from __future__ import annotations

import numpy as np

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.methods.graph import GraphInput
from embedlab.store.catalog import Entry
from embedlab.store.workspace import Dataset, Workspace, read_columns


def is_graph(dataset: Dataset) -> bool:
    return dataset.meta.get("kind") == "graph"


def edges_entry(workspace: Workspace, dataset: Dataset) -> Entry:
    """The current edge table of a graph dataset; a clear error for any other dataset."""
    if not is_graph(dataset):
        raise InvalidInputError(
            f"Dataset '{dataset.name}' is not a graph. Ingest an edge list: `embedlab ingest "
            f"{dataset.name} EDGES.csv --edges SOURCE,TARGET` (or a .edg file)."
        )
    entry = workspace.result("edges", dataset.name, dataset.name)
    if entry is None:
        raise NotFoundError(
            f"The edges of graph '{dataset.name}' are missing or out of date; ingest it again."
        )
    return entry


def read_edges(workspace: Workspace, dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source rows, target rows, weights) of a graph dataset, as stored."""
    table = read_columns(workspace.open_table(edges_entry(workspace, dataset)))
    return (
        table.column("source_row").to_numpy(),
        table.column("target_row").to_numpy(),
        table.column("weight").to_numpy(),
    )


def graph_input(
    workspace: Workspace, dataset: Dataset, keep: np.ndarray | None = None
) -> GraphInput:
    """The CSR adjacency of a graph dataset (with `keep`, only those edges: link prediction)."""
    source, target, weight = read_edges(workspace, dataset)
    if keep is not None:
        source, target, weight = source[keep], target[keep], weight[keep]
    return GraphInput.from_edges(
        source, target, weight, n_nodes=len(dataset), directed=bool(dataset.meta.get("directed"))
    )


def graph_neighbours(workspace: Workspace, dataset: Dataset, row: int) -> np.ndarray:
    """The rows linked to `row` by an edge (either direction), sorted."""
    source, target, _ = read_edges(workspace, dataset)
    linked = np.concatenate([target[source == row], source[target == row]])
    return np.unique(linked[linked != row])
