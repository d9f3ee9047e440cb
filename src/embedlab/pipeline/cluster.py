"""`cluster` and `compare`: cluster numbers of a space, and how two spaces agree item by item,
stored as dataset columns (`clusters-SPACE`, `compare-A-B`) so the app can colour by them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.clustering import cluster_vectors, neighbour_agreement
from embedlab.pipeline.graph import neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


def cluster(
    workspace: Workspace, name: str, space: str, *, n_clusters: int | None = None, seed: int = 0
) -> dict[str, Any]:
    """Cluster the items of `space`; stored as the `cluster` column of `clusters-SPACE`."""
    space_obj = workspace.space(name, space)
    with progress.task(f"Clustering '{space}'", total=None):
        labels = cluster_vectors(space_obj.vectors(), n_clusters=n_clusters, seed=seed)
    sizes = np.bincount(labels)
    run = RunRecord(
        kind="cluster",
        dataset=name,
        space=space,
        method="minibatch-kmeans",
        params={"n_clusters": int(len(sizes))},
        seed=seed,
        input_version=space_obj.entry.run_id,
    )
    run.report = {"n_clusters": int(len(sizes)), "sizes": sizes.tolist()}
    table = pa.table({"id": space_obj.ids(), "cluster": labels})
    workspace.store_columns(name, f"clusters-{space}", table, {"space": space, **run.report}, run)
    return {"dataset": name, "space": space, **run.report}


def compare_spaces(
    workspace: Workspace, name: str, first: str, second: str, *, k: int = 10
) -> dict[str, Any]:
    """Neighbour agreement of two spaces of dataset `name`, per item, stored as columns."""
    graph_a = neighbors(workspace, name, first, k=k)
    graph_b = neighbors(workspace, name, second, k=k)
    result = neighbour_agreement(graph_a, graph_b, k=k)
    run = RunRecord(
        kind="compare",
        dataset=name,
        space=first,
        method="neighbour-agreement",
        params={"other": second, "k": k},
        input_version=workspace.space(name, first).entry.run_id,
    )
    run.report = result.summary
    table = pa.table(
        {
            "id": workspace.dataset(name).ids(),
            "agreement_score": result.scores.astype(np.float32),
            "agreement_flag": result.flags,
        }
    )
    key = f"compare-{first}-{second}"
    meta = {"space": first, "other": second, **result.summary}
    workspace.store_columns(name, key, table, meta, run)
    return {
        "dataset": name,
        "spaces": [first, second],
        "field": f"{key}:agreement_score",
        **result.summary,
        "k": result.params["k"],
    }
