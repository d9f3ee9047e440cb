"""`ingest`: a file or a sandbox dataset becomes a stored dataset."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.io.batches import DEFAULT_BATCH_ROWS, iter_frames
from embedlab.io.fingerprint import sandbox_fingerprint, source_fingerprint
from embedlab.io.graphs import (
    EdgeList,
    GraphData,
    build_graph,
    is_whitespace_edge_list,
    read_edge_list,
)
from embedlab.io.images import ImageItems, read_image_source
from embedlab.io.items import PreparedItems, StreamedItems, prepare_items, stream_items
from embedlab.io.readers import read_source
from embedlab.io.sandbox import SandboxDataset, get_sandbox
from embedlab.pipeline.interactions import InteractionOptions, ingest_interactions
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace, validate_name

SANDBOX_PREFIX = "sandbox:"
#: files read as graphs even without --edges (a .txt file is a graph only with --edges)
EDGE_LIST_SUFFIXES = (".edg", ".edgelist")


@dataclass
class IngestReport:
    dataset: Dataset
    n_items: int
    skipped_empty_text: int
    skipped_rows: list[int]
    duration_s: float
    #: the file lines of the skipped rows (1-based, a CSV header is line 1), where there are lines
    skipped_lines: list[int] | None = None
    #: for a graph: nodes, edges, self-loops, merged duplicates, isolated nodes, directed
    graph: dict[str, Any] | None = None
    #: for ratings: users, items, interactions, merged duplicate pairs and the rule used
    interactions: dict[str, Any] | None = None
    #: for `--append`: the rows before, the rows added and the rows now
    appended: dict[str, int] | None = None
    #: the spaces of the dataset this one replaced, removed with it (what was computed is gone)
    replaced_spaces: list[str] = field(default_factory=list)
    #: the dataset already held this source with these options: kept, nothing was written
    unchanged: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.name,
            "n_items": self.n_items,
            "columns": self.dataset.columns,
            "text_column": self.dataset.text_column,
            "label_column": self.dataset.label_column,
            "skipped_empty_text": self.skipped_empty_text,
            "skipped_rows": self.skipped_rows,
            "skipped_lines": self.skipped_lines,
            "image_column": self.dataset.meta.get("image_column"),
            "skipped_files": self.dataset.meta.get("skipped_files", []),
            "duration_s": round(self.duration_s, 3),
            "graph": self.graph,
            "interactions": self.interactions,
            "appended": self.appended,
            "replaced_spaces": self.replaced_spaces,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class GraphOptions:
    """How to read a graph: the edge columns, weight, direction and the node file."""

    edges: tuple[str, str] = ("source", "target")
    weight: str | None = None
    directed: bool = False
    nodes: str | Path | None = None
    add_missing_nodes: bool = False


def parse_edge_columns(edges: str) -> tuple[str, str]:
    """'source,target' -> ('source', 'target'); anything else is refused."""
    names = [n.strip() for n in edges.split(",")]
    if len(names) != 2 or not all(names):
        raise InvalidInputError(
            f"--edges expects two column names, SOURCE,TARGET (e.g. --edges source,target); "
            f"got {edges!r}."
        )
    if names[0] == names[1]:
        raise InvalidInputError(
            f"--edges names column '{names[0]}' as both SOURCE and TARGET; expected two "
            "different columns (every edge would be a self-loop)."
        )
    return names[0], names[1]


def ingest(
    workspace: Workspace,
    name: str,
    source: str | Path,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
    limit: int | None = None,
    graph: GraphOptions | None = None,
    interactions: InteractionOptions | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    force: bool = False,
) -> IngestReport:
    """Read `source` (a table or text file, a folder of images, an IDX or .npy file of images,
    or `sandbox:NAME`) and store it as dataset `name`; with `limit`, a seeded sample of that
    many rows, kept in file order.

    A table or text file is read in batches of `batch_rows` rows, twice (checked in full, then
    written as it is read), so files larger than memory can be ingested.

    Replacing an existing dataset is atomic: the old one stays until the new one is written,
    and the spaces computed from the old one are removed with it. A table, text or image
    source that the dataset already holds unchanged (same file bytes or folder listing, same
    options, nothing appended since) keeps the dataset and its spaces; `force` reads it again.

    With `graph` (or a `.edg` file, or a graph sandbox), `source` is an edge list: its nodes
    become the items and the merged edges are stored with the dataset (see `ingest_graph`).
    """
    validate_name(name, "dataset")
    before = workspace.space_names(name) if name in workspace.dataset_names() else []
    source_text = str(source)
    sandbox = (
        get_sandbox(source_text[len(SANDBOX_PREFIX) :])
        if source_text.startswith(SANDBOX_PREFIX)
        else None
    )
    if interactions is not None or (sandbox is not None and sandbox.is_ratings):
        if limit is not None or graph is not None:
            raise InvalidInputError("--limit and graph options do not apply to interactions.")
        started = time.time()
        stats = ingest_interactions(
            workspace, name, source_text, interactions, sandbox, text=text, label=label, id=id
        )
        return _replaced(
            workspace, _ratings_report(workspace.dataset(name), stats, started), before
        )
    if (
        graph is not None
        or source_text.lower().endswith(EDGE_LIST_SUFFIXES)
        or (sandbox is not None and sandbox.is_graph)
    ):
        if limit is not None:
            raise InvalidInputError("--limit does not apply to a graph: ingest all its edges.")
        report = ingest_graph(
            workspace, name, source_text, graph or GraphOptions(), text=text, label=label, id=id
        )
        return _replaced(workspace, report, before)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInputError(f"The limit must be an int >= 1. Got {limit!r} instead.")
    options = {"source": source_text, "text": text, "label": label, "id": id, "limit": limit}
    fingerprint = (
        sandbox_fingerprint(source_text) if sandbox is not None else source_fingerprint(source_text)
    )
    kept = None if force else _unchanged(workspace, name, fingerprint, options)
    if kept is not None:
        return kept
    images = read_image_source(source_text) if sandbox is None else None
    if sandbox is None and images is None:
        prepared: PreparedItems = stream_file(
            source_text, text=text, label=label, id=id, limit=limit, batch_rows=batch_rows
        )
    else:
        prepared = _prepare_in_memory(
            sandbox, images, source_text, text=text, label=label, id=id, limit=limit
        )
        text = text or (sandbox.text_column if sandbox else None)
        label = label or (sandbox.label_column if sandbox else None)
    with workspace.writing():
        run = RunRecord(
            kind="ingest",
            dataset=name,
            method="ingest",
            params=options,
        )
        meta = {
            **prepared.meta(source_text),
            "limit": limit,
            "source_fingerprint": fingerprint,
            "ingest_options": options,
        }
        run.report = {k: meta[k] for k in ("n_items", "skipped_empty_text")}
        data = (
            pa.RecordBatchReader.from_batches(prepared.schema, prepared.batches())
            if isinstance(prepared, StreamedItems) and prepared.batches is not None
            else prepared.table
        )
        workspace.save_result("dataset", name, name, data, run=run, inputs=[], meta=meta)
    report = IngestReport(
        dataset=workspace.dataset(name),
        n_items=prepared.n_items,
        skipped_empty_text=prepared.skipped_empty_text,
        skipped_rows=prepared.skipped_rows,
        duration_s=run.duration_s,
        skipped_lines=prepared.skipped_lines,
    )
    return _replaced(workspace, report, before)


def _unchanged(
    workspace: Workspace, name: str, fingerprint: str | None, options: dict[str, Any]
) -> IngestReport | None:
    """The report of keeping dataset `name` when it holds this very source, read with the same
    options and grown by nothing since; else None (the source is read and stored)."""
    if fingerprint is None or name not in workspace.dataset_names():
        return None
    dataset = workspace.dataset(name)
    meta = dataset.meta
    if (
        meta.get("source_fingerprint") != fingerprint
        or meta.get("ingest_options") != options
        or meta.get("appended")
    ):
        return None
    return IngestReport(
        dataset=dataset,
        n_items=int(meta["n_items"]),
        skipped_empty_text=int(meta.get("skipped_empty_text", 0)),
        skipped_rows=list(meta.get("skipped_rows", [])),
        duration_s=0.0,
        skipped_lines=meta.get("skipped_lines"),
        unchanged=True,
    )


def _replaced(workspace: Workspace, report: IngestReport, before: list[str]) -> IngestReport:
    """The report with the spaces of the replaced dataset that are gone now (a dataset made
    again from another file loses what was computed from the old one)."""
    now = set(workspace.space_names(report.dataset.name)) if before else set()
    report.replaced_spaces = [s for s in before if s not in now]
    return report


def _ratings_report(dataset: Dataset, stats: dict[str, Any], started: float) -> IngestReport:
    """What ingesting interactions did (items as the dataset, users as NAME-users)."""
    return IngestReport(
        dataset=dataset,
        n_items=len(dataset),
        skipped_empty_text=0,
        skipped_rows=[],
        duration_s=time.time() - started,
        interactions=stats,
    )


def _prepare_in_memory(
    sandbox: SandboxDataset | None,
    images: ImageItems | None,
    source: str,
    *,
    text: str | None,
    label: str | None,
    id: str | None,
    limit: int | None,
) -> PreparedItems:
    """A sandbox dataset or images (small, or bytes read once): read whole, then prepared."""
    skipped_files: list[tuple[str, str]] = []
    if sandbox is not None:
        frame = sandbox.load()
        text = text or sandbox.text_column
        label = label or sandbox.label_column
        image_column = sandbox.image_column
        described = f"sandbox dataset '{sandbox.name}'"
    else:
        assert images is not None
        frame, image_column, skipped_files = images.frame, images.image_column, images.skipped
        described = f"'{source}'"
    if limit is not None and limit < len(frame):
        # a seeded sample in file order: the first rows may be one class
        frame = frame.sample(n=limit, random_state=0).sort_index()
    prepared = prepare_items(frame, described, text=text, label=label, id=id)
    prepared.image_column = image_column
    prepared.skipped_files = skipped_files
    return prepared


def sample_positions(n_rows: int, limit: int) -> np.ndarray:
    """The rows `DataFrame.sample(n=limit, random_state=0)` picks, in file order."""
    return np.sort(np.random.RandomState(0).choice(n_rows, size=limit, replace=False))


def stream_file(
    source: str,
    *,
    text: str | None,
    label: str | None,
    id: str | None,
    limit: int | None,
    batch_rows: int,
) -> StreamedItems:
    """A table or text file checked in batches; its batches are read again when written."""
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise InvalidInputError(f"batch_rows must be an int >= 1. Got {batch_rows!r} instead.")
    keep = None
    if limit is not None:
        with progress.task(f"Counting the rows of {source}", total=None):
            n_rows = sum(len(frame) for frame in iter_frames(source, batch_rows))
        keep = sample_positions(n_rows, limit) if limit < n_rows else None

    def frames() -> Iterator[pd.DataFrame]:
        start = 0
        with progress.task(f"Reading {source}", total=None) as bar:
            for frame in iter_frames(source, batch_rows):
                stop = start + len(frame)
                if keep is not None:
                    chosen = keep[np.searchsorted(keep, start) : np.searchsorted(keep, stop)]
                    frame = frame.iloc[chosen - start]
                start = stop
                bar.advance(len(frame))
                yield frame

    return stream_items(frames, f"'{source}'", text=text, label=label, id=id)


def _is_graph_source(
    source: str, sandbox: SandboxDataset | None, graph: GraphOptions | None
) -> bool:
    """Graph options given, a .edg file, or a graph sandbox."""
    if graph is not None or source.lower().endswith(EDGE_LIST_SUFFIXES):
        return True
    return sandbox is not None and sandbox.is_graph


def _read_graph(
    source: str,
    options: GraphOptions,
    sandbox: SandboxDataset | None,
    text: str | None,
    label: str | None,
    id: str | None,
) -> GraphData:
    """Edges and nodes from a file (and a node file) or a graph sandbox; nothing is written."""
    if sandbox is not None:
        if not sandbox.is_graph:
            raise InvalidInputError(f"The sandbox dataset '{sandbox.name}' is not a graph.")
        assert sandbox.read_edges is not None
        described = f"sandbox dataset '{sandbox.name}'"
        frame = sandbox.read_edges()
        weights = frame[sandbox.weight_column] if sandbox.weight_column else None
        edges = EdgeList(
            frame["source"].to_numpy(object),
            frame["target"].to_numpy(object),
            None if weights is None else weights.to_numpy(np.float64),
            None,
            described,
        )
        nodes = sandbox.load()
        label = label or sandbox.label_column
    else:
        edges = read_edge_list(source, options.edges, options.weight)
        nodes = read_source(options.nodes) if options.nodes is not None else None
        described = f"'{options.nodes}'"
    if nodes is None and any(v is not None for v in (text, label)):
        raise InvalidInputError(
            "--text and --label describe nodes: give the node file with --nodes FILE."
        )
    return build_graph(
        edges,
        nodes,
        described,
        directed=options.directed,
        add_missing_nodes=options.add_missing_nodes,
        text=text,
        label=label,
        id=id,
    )


def _graph_params(
    source: str, options: GraphOptions, *, text: str | None, label: str | None, id: str | None
) -> dict[str, Any]:
    """What a graph ingest was asked to do, as its run records it."""
    return {
        "source": source,
        "edges": list(options.edges),
        "weight": options.weight,
        "directed": options.directed,
        "nodes": str(options.nodes) if options.nodes is not None else None,
        "add_missing_nodes": options.add_missing_nodes,
        "text": text,
        "label": label,
        "id": id,
    }


def ingest_graph(
    workspace: Workspace,
    name: str,
    source: str,
    options: GraphOptions,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
) -> IngestReport:
    """Store a graph: its nodes as the items of dataset `name` (meta kind 'graph') and its
    merged edges as the dataset's 'edges' result (source_row, target_row, weight).

    Everything is read and checked before anything is written; a bad edge or node names its
    file and line, and the workspace is left as it was.
    """
    if options.nodes is None and id is not None:
        raise InvalidInputError("--id names the node file's id column: give it with --nodes FILE.")
    if is_whitespace_edge_list(source) and options.weight is not None:
        raise InvalidInputError(
            "A whitespace edge list has no column names: its third column, when there is one, "
            "is the weight. Leave out --weight."
        )
    sandbox = (
        get_sandbox(source[len(SANDBOX_PREFIX) :]) if source.startswith(SANDBOX_PREFIX) else None
    )
    data = _read_graph(source, options, sandbox, text, label, id)
    stats = data.stats
    meta = {
        **data.items.meta(source),
        "kind": "graph",
        "modality": "graph",
        "directed": options.directed,
        "graph": stats,
        "nodes_source": str(options.nodes) if options.nodes is not None else None,
        "limit": None,
    }
    params = _graph_params(source, options, text=text, label=label, id=id)
    with workspace.writing():
        run = RunRecord(kind="ingest", dataset=name, method="ingest-graph", params=params)
        run.report = stats
        workspace.save_result(
            "dataset", name, name, data.items.table, run=run, inputs=[], meta=meta
        )
        dataset = workspace.dataset(name)
        edges_run = RunRecord(kind="ingest", dataset=name, method="edges", params=params)
        edges_run.report = {"n_edges": stats["n_edges"]}
        workspace.save_result(
            "edges", name, name, data.edges_table(), run=edges_run, inputs=[dataset], meta=stats
        )
    return IngestReport(
        dataset=dataset,
        n_items=data.items.table.num_rows,
        skipped_empty_text=0,
        skipped_rows=[],
        duration_s=run.duration_s + edges_run.duration_s,
        graph=stats,
    )
