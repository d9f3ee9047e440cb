"""What a workspace holds, as plain dictionaries (for `embedlab ls` and, later, the HTTP API)."""

from __future__ import annotations

from typing import Any

from embedlab.pipeline.embed import PARTIAL_SUFFIX
from embedlab.store.workspace import Workspace


def describe_workspace(workspace: Workspace) -> list[dict[str, Any]]:
    rows = []
    for name in workspace.dataset_names():
        dataset = workspace.dataset(name)
        rows.append(
            {
                "name": name,
                "n_items": len(dataset),
                "text_column": dataset.text_column,
                "label_column": dataset.label_column,
                "source": dataset.meta.get("source"),
                "spaces": workspace.space_names(name),
            }
        )
    return rows


def describe_dataset(workspace: Workspace, name: str) -> dict[str, Any]:
    dataset = workspace.dataset(name)
    projections = workspace.entries("projection", name)
    graphs = {e.name: e for e in workspace.entries("neighbors", name)}
    spaces = []
    for entry in workspace.entries("space", name):
        space = entry.name.removesuffix(PARTIAL_SUFFIX)
        graph = graphs.get(space)
        spaces.append(
            {
                "name": space,
                "status": entry.status,
                "stale": not workspace.is_fresh(entry),
                "method": entry.meta.get("method"),
                "dim": entry.meta.get("dim"),
                "params": entry.meta.get("params", {}),
                "graph": f"k={graph.meta['k']} {graph.meta['method']}" if graph else None,
                "projections": [
                    p.name.split("/", 1)[1] for p in projections if p.name.split("/", 1)[0] == space
                ],
            }
        )
    return {
        "name": name,
        "n_items": len(dataset),
        "columns": dataset.columns,
        "meta": dataset.meta,
        "version": dataset.version,
        "spaces": spaces,
        "runs": [
            {
                "run_id": r.run_id,
                "kind": r.kind,
                "space": r.space,
                "method": r.method,
                "params": r.params,
                "seed": r.seed,
                "duration_s": r.duration_s,
                "input_version": r.input_version,
                "versions": r.versions,
            }
            for r in workspace.manifest.runs(name)
        ],
    }
