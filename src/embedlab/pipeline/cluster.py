"""`cluster` and `compare`: cluster numbers of a space, and how two spaces agree item by item,
stored as dataset columns (`clusters-SPACE`, `compare-A-B`) so the app can colour by them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.clustering import cluster_vectors, neighbour_agreement
from embedlab.checks import check_int, check_seed
from embedlab.pipeline.graph import neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


def cluster(
    workspace: Workspace, name: str, space: str, *, n_clusters: int | None = None, seed: int = 0
) -> dict[str, Any]:
    """Cluster the items of `space`; stored as the `cluster` column of `clusters-SPACE`."""
    seed = check_seed(seed, "cluster")
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
    )
    run.report = {"n_clusters": int(len(sizes)), "sizes": sizes.tolist()}
    table = pa.table({"id": space_obj.ids(), "cluster": labels})
    meta = {"space": space, **run.report}
    workspace.save_result(
        "columns", name, f"clusters-{space}", table, run=run, inputs=[space_obj], meta=meta
    )
    return {"dataset": name, "space": space, **run.report}


def compare_spaces(
    workspace: Workspace, name: str, first: str, second: str, *, k: int = 10
) -> dict[str, Any]:
    """Neighbour agreement of two spaces of dataset `name`, per item, stored as columns."""
    k = check_int(k, "k", "compare", 1)
    dataset = workspace.dataset(name)
    space_a, space_b = workspace.space(dataset, first), workspace.space(dataset, second)
    graph_a = neighbors(workspace, name, space_a, k=k)
    graph_b = neighbors(workspace, name, space_b, k=k)
    result = neighbour_agreement(graph_a, graph_b, k=k)
    run = RunRecord(
        kind="compare",
        dataset=name,
        space=first,
        method="neighbour-agreement",
        params={"other": second, "k": k},
    )
    run.report = result.summary
    table = pa.table(
        {
            "id": dataset.ids(),
            "agreement_score": result.scores.astype(np.float32),
            "agreement_flag": result.flags,
        }
    )
    key = f"compare-{first}-{second}"
    meta = {"space": first, "other": second, **result.summary}
    workspace.save_result(
        "columns", name, key, table, run=run, inputs=[space_a, space_b], meta=meta
    )
    return {
        "dataset": name,
        "spaces": [first, second],
        "field": f"{key}:agreement_score",
        **result.summary,
        "k": result.params["k"],
    }
