"""`cluster` and `compare`: cluster numbers of a space, and how two spaces agree item by item,
stored as dataset columns (`clusters-SPACE`, `compare-A-B`) so the app can colour by them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.clustering import cluster_vectors, most_changed, neighbour_agreement
from embedlab.checks import check_int, check_seed
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.graph import neighbors
from embedlab.store.handles import Space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace


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


def _two_spaces(
    workspace: Workspace, dataset: Dataset, first: str, second: str, k: int
) -> tuple[Space, Space]:
    """Spaces `first` and `second` of `dataset`, refused when they are one space or when k
    neighbours are every other item (then any two spaces agree on every item)."""
    space_a, space_b = workspace.space(dataset, first), workspace.space(dataset, second)
    if first == second:
        raise InvalidInputError(
            f"compare needs two different spaces of dataset '{dataset.name}'; got '{first}' "
            "twice (a space agrees with itself on every item)."
        )
    n = len(dataset)
    if n <= 2:
        raise InvalidInputError(
            f"compare needs at least 3 items (dataset '{dataset.name}' has {n}): with fewer, "
            "every item's neighbours are all the others in any space."
        )
    if k >= n - 1:
        raise InvalidInputError(
            f"Comparing with k = {k} neighbours on dataset '{dataset.name}' of {n} items: "
            f"{n - 1} neighbours are every other item, so the two spaces would agree "
            f"everywhere by construction. Expected k of at most {n - 2}."
        )
    return space_a, space_b


def compare_spaces(
    workspace: Workspace, name: str, first: str, second: str, *, k: int = 10
) -> dict[str, Any]:
    """Neighbour agreement of two spaces of dataset `name`, per item, stored as columns."""
    k = check_int(k, "k", "compare", 1)
    dataset = workspace.dataset(name)
    space_a, space_b = _two_spaces(workspace, dataset, first, second, k)
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


def neighbourhood_changes(
    workspace: Workspace,
    name: str,
    first: str,
    second: str,
    *,
    k: int = 10,
    limit: int = 50,
    make_graphs: bool = True,
) -> dict[str, Any]:
    """The items whose k neighbours differ most between spaces `first` and `second` (from
    their stored graphs, made first unless `make_graphs` is off), each with the neighbours
    it gained and lost (ids, and rows to draw them on a map)."""
    k = check_int(k, "k", "compare", 1)
    limit = check_int(limit, "limit", "compare", 1)
    dataset = workspace.dataset(name)
    # the same space twice: was a 404 suggesting a `compare` that refuses it
    space_a, space_b = _two_spaces(workspace, dataset, first, second, k)
    for space in (space_a, space_b):
        stored = workspace.result("neighbors", name, space.name)
        if not make_graphs and (stored is None or stored.meta["k"] < k):
            raise NotFoundError(
                f"Space '{space.name}' of dataset '{name}' has no stored graph of {k} "
                f"neighbours yet. Compare the two spaces first (`embedlab compare {name} "
                f"{first} {second} -k {k}` or POST .../compare)."
            )
    graph_a = neighbors(workspace, name, space_a, k=k)
    graph_b = neighbors(workspace, name, space_b, k=k)
    changes = most_changed(graph_a, graph_b, k=k, limit=limit)
    ids = dataset.ids()
    items = [
        {
            "row": c["row"],
            "id": ids[c["row"]],
            "jaccard": c["jaccard"],
            "gained": [ids[r] for r in c["gained"]],
            "lost": [ids[r] for r in c["lost"]],
            "gained_rows": c["gained"],
            "lost_rows": c["lost"],
        }
        for c in changes
    ]
    return {"dataset": name, "spaces": [first, second], "k": min(k, graph_a.k), "items": items}
