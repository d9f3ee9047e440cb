"""Read graphs: an edge list (CSV/TSV/JSONL/Parquet with named columns, or a plain whitespace
`.edg`/`.txt` list of two or three columns) and optional node records become items plus an edge
table of row numbers.

Nodes are items: their id is the node name as a string. Duplicate edges are merged (weights
summed), self-loops kept and counted, isolated nodes (in the node file, on no edge) counted.
Every bad row is named by its file and 1-based line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.io.items import PreparedItems, id_text, prepare_items
from embedlab.io.readers import COMPRESSIONS, LINE_INDEX, decode_utf8, read_source

#: suffixes read as plain whitespace edge lists (two or three columns, no header)
WHITESPACE_SUFFIXES = {".edg", ".edgelist", ".txt"}
MAX_LISTED = 5
DEFAULT_EDGES = ("source", "target")
#: weights are stored as float32: a larger one (or a larger sum of duplicates) would be infinite
MAX_WEIGHT = float(np.finfo(np.float32).max)


@dataclass
class EdgeList:
    """Edges as read: endpoint names, optional weights, the file line of each edge."""

    sources: np.ndarray  # object array of str
    targets: np.ndarray
    weights: np.ndarray | None  # float64, every value > 0
    lines: np.ndarray | None  # 1-based file lines, where the file has lines
    described: str  # the file as messages name it

    def __len__(self) -> int:
        return len(self.sources)

    def where(self, position: int) -> str:
        """'line 7 of 'edges.csv'' (or 'row 6' where the file has no lines)."""
        if self.lines is None:
            return f"row {position} of {self.described}"
        return f"line {int(self.lines[position])} of {self.described}"


@dataclass
class GraphData:
    """Items (one per node), the merged edges as row numbers, and what was found on the way."""

    items: PreparedItems
    source_rows: np.ndarray  # int64
    target_rows: np.ndarray  # int64
    weights: np.ndarray  # float32
    stats: dict[str, Any] = field(default_factory=dict)

    def edges_table(self) -> pa.Table:
        return pa.table(
            {
                "source_row": pa.array(self.source_rows, pa.int64()),
                "target_row": pa.array(self.target_rows, pa.int64()),
                "weight": pa.array(self.weights, pa.float32()),
            }
        )


def is_whitespace_edge_list(path: str | Path) -> bool:
    """Whether a file name says plain whitespace edge list (compression suffix ignored)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in WHITESPACE_SUFFIXES


def read_edge_list(
    path: str | Path, columns: tuple[str, str] = DEFAULT_EDGES, weight: str | None = None
) -> EdgeList:
    """The edges of a file: named columns of a table, or the columns of a whitespace list."""
    path = Path(path).expanduser()
    if is_whitespace_edge_list(path):
        return _read_whitespace(path)
    frame = read_source(path)
    described = f"'{path}'"
    # a graph option alone (--directed) reads the default columns: say so, not "given with"
    edges_option = "--edges, by default source,target" if columns == DEFAULT_EDGES else "--edges"
    for column, option in (
        (columns[0], edges_option),
        (columns[1], edges_option),
        (weight, "--weight"),
    ):
        if column is not None and column not in frame.columns:
            names = [str(c) for c in frame.columns]
            raise NotFoundError(
                f"Column '{column}' (given with {option}) is not in {described}. It has "
                f"{len(names)} columns: {', '.join(names)}. {did_you_mean(column, names)}"
            )
    lines = frame.index.to_numpy() if frame.index.name == LINE_INDEX else None
    ends = []
    for column in columns:
        values = frame[column]
        missing = values.isna().to_numpy() | values.astype(str).str.strip().eq("").to_numpy()
        edges = EdgeList(np.empty(0), np.empty(0), None, lines, described)
        if missing.any():
            raise InvalidInputError(
                f"The node in column '{column}' is empty at {edges.where(int(np.argmax(missing)))}"
                f" ({int(missing.sum())} edge(s) in all). Every edge needs two node names."
            )
        ends.append(np.asarray([id_text(v) for v in values], dtype=object))
    edges = EdgeList(ends[0], ends[1], None, lines, described)
    if weight is not None:
        edges.weights = _parse_weights(frame[weight].to_numpy(dtype=object), edges, f"'{weight}'")
    return _non_empty(edges)


def _read_whitespace(path: Path) -> EdgeList:
    """Lines of 'source target [weight]'; blank lines and '#' comments are skipped."""
    if not path.exists():
        raise NotFoundError(f"The source file '{path}' does not exist.")
    raw = path.read_bytes()
    compression = next((s for s in path.suffixes[-1:] if s.lower() in COMPRESSIONS), None)
    if compression:
        raw = COMPRESSIONS[compression.lower()](raw)
    described = f"'{path}'"
    sources, targets, weights, lines = [], [], [], []
    width = 0
    for number, line in enumerate(decode_utf8(raw, path).splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) not in (2, 3) or (width and len(fields) != width):
            expected = f"{width}" if width else "2 or 3"
            raise InvalidInputError(
                f"Line {number} of {described} has {len(fields)} field(s): expected {expected} "
                "(source target [weight], separated by spaces or tabs, every line alike)."
            )
        width = len(fields)
        sources.append(fields[0])
        targets.append(fields[1])
        weights.append(fields[2] if width == 3 else "1")
        lines.append(number)
    edges = EdgeList(
        np.asarray(sources, dtype=object),
        np.asarray(targets, dtype=object),
        None,
        np.asarray(lines, dtype=np.int64),
        described,
    )
    if width == 3:
        edges.weights = _parse_weights(np.asarray(weights, dtype=object), edges, "3")
    return _non_empty(edges)


def _non_empty(edges: EdgeList) -> EdgeList:
    if len(edges) == 0:
        raise InvalidInputError(f"{edges.described} has no edges: nothing to make a graph of.")
    return edges


def _parse_weights(values: np.ndarray, edges: EdgeList, column: str) -> np.ndarray:
    """Weights as float64; the first empty, non-numeric, non-finite, non-positive or too large
    (over float32's range, where the stored weight would become infinite) one is refused."""
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
    cells = pd.Series(values)
    empty = (cells.isna() | cells.astype(str).str.strip().eq("")).to_numpy()
    problems = (
        (empty, "is empty"),
        (~np.isfinite(numbers), "is not a finite number"),
        (numbers <= 0, "is not positive"),
        (numbers > MAX_WEIGHT, f"is over {MAX_WEIGHT:.3g}, the largest weight stored"),
    )
    for bad, what in problems:
        if bad.any():
            first = int(np.argmax(bad))
            got = "an empty cell" if empty[first] else repr(values[first])
            raise InvalidInputError(
                f"The weight at {edges.where(first)} (column {column}) {what}: got "
                f"{got}, expected a number > 0 ({int(bad.sum())} such edge(s))."
                + (
                    " An edge of weight 0 is no edge: leave it out."
                    if what == "is not positive"
                    else ""
                )
            )
    return numbers


def build_graph(
    edges: EdgeList,
    nodes: pd.DataFrame | None = None,
    nodes_described: str = "the node file",
    *,
    directed: bool = False,
    add_missing_nodes: bool = False,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
) -> GraphData:
    """Items and merged edges of a graph; nodes come from `nodes` (in its order, then any
    missing ones added) or, without it, from the edges in order of first appearance."""
    if nodes is None:
        names = pd.unique(np.column_stack([edges.sources, edges.targets]).ravel())
        frame = pd.DataFrame({"id": np.asarray(names, dtype=object)})
        items = prepare_items(frame, edges.described, id="id")
        added = 0
    else:
        if id is None and "id" not in nodes.columns:
            raise InvalidInputError(
                f"{nodes_described} needs a column of node names: pass --id COLUMN (the names "
                f"the edges use). Its columns: {', '.join(map(str, nodes.columns))}."
            )
        items = prepare_items(
            nodes, nodes_described, text=text, label=label, id=id, keep_empty_text=True
        )
        items, added = _add_missing(items, edges, nodes_described, add_missing_nodes)
    index = pd.Index(items.table.column("id").to_pylist())
    source_rows = index.get_indexer(edges.sources).astype(np.int64)
    target_rows = index.get_indexer(edges.targets).astype(np.int64)
    weights = edges.weights if edges.weights is not None else np.ones(len(edges))
    graph = merge_edges(source_rows, target_rows, weights, len(index), directed=directed)
    if not np.isfinite(graph.weights).all():
        first = int(np.argmax(~np.isfinite(graph.weights)))
        ends = (index[int(graph.source_rows[first])], index[int(graph.target_rows[first])])
        raise InvalidInputError(
            f"The edges between nodes '{ends[0]}' and '{ends[1]}' in {edges.described} sum to "
            f"a weight over {MAX_WEIGHT:.3g}, the largest weight stored (float32). Scale the "
            "weights down."
        )
    graph_stats = {
        **graph.stats,
        "n_edge_rows": len(edges),
        "added_missing_nodes": added,
        "weight_column": edges.weights is not None,
    }
    return GraphData(items, graph.source_rows, graph.target_rows, graph.weights, graph_stats)


def _add_missing(
    items: PreparedItems, edges: EdgeList, nodes_described: str, add: bool
) -> tuple[PreparedItems, int]:
    """Nodes the edges name that the node file lacks: an error, or new items with no payload."""
    known = pd.Index(items.table.column("id").to_pylist())
    ends = np.column_stack([edges.sources, edges.targets]).ravel()
    unknown = ~np.asarray(pd.Index(ends).isin(known))
    if not unknown.any():
        return items, 0
    missing = pd.unique(ends[unknown])
    if not add:
        first_edge = int(np.argmax(unknown)) // 2
        shown = ", ".join(f"'{m}'" for m in missing[:MAX_LISTED])
        more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise InvalidInputError(
            f"The edge at {edges.where(first_edge)} names node '{ends[int(np.argmax(unknown))]}',"
            f" which is not in {nodes_described} ({len(known):,} nodes); {len(missing)} node(s) "
            f"the edges name are missing: {shown}{more}. Add them to the node file, or pass "
            "--add-missing-nodes to add them as items without payload."
        )
    schema = items.table.schema
    extra = {
        f.name: pa.array(missing.tolist(), pa.string())
        if f.name == "id"
        else pa.nulls(len(missing), f.type)
        for f in schema
    }
    items.table = pa.concat_tables([items.table, pa.table(extra, schema=schema)])
    return items, len(missing)


@dataclass
class MergedEdges:
    source_rows: np.ndarray
    target_rows: np.ndarray
    weights: np.ndarray
    stats: dict[str, Any]


def merge_edges(
    source_rows: np.ndarray,
    target_rows: np.ndarray,
    weights: np.ndarray,
    n_nodes: int,
    *,
    directed: bool,
) -> MergedEdges:
    """One edge per node pair (per ordered pair when directed), weights summed, sorted; with
    the counts of self-loops, merged duplicates and isolated nodes."""
    a, b = np.asarray(source_rows, np.int64), np.asarray(target_rows, np.int64)
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    keys = a * np.int64(n_nodes) + b
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=np.asarray(weights, np.float64), minlength=len(unique))
    src, tgt = unique // n_nodes, unique % n_nodes
    touched = np.zeros(n_nodes, dtype=bool)
    touched[src] = True
    touched[tgt] = True
    stats = {
        "n_nodes": int(n_nodes),
        "n_edges": int(len(unique)),
        "self_loops": int((src == tgt).sum()),
        "duplicate_edges": int(len(keys) - len(unique)),
        "isolated_nodes": int(n_nodes - touched.sum()),
        "directed": bool(directed),
        "weighted": bool((summed != 1).any()),
    }
    with np.errstate(over="ignore"):  # a sum over float32's range: build_graph refuses it
        stored = summed.astype(np.float32)
    return MergedEdges(src, tgt, stored, stats)
