"""`labels`: the regions of a stored map named at two zoom levels (coarse and fine clusters of
the map, named from their items), stored as columns with the names in the meta."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from embedlab import progress
from embedlab.analysis.map_labels import label_map
from embedlab.checks import check_int, check_seed
from embedlab.pipeline.project import overlay_key, require_map, stored_overlay
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


def name_map_regions(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    method: str = "umap",
    dims: int = 2,
    n_fine: int = 40,
    n_coarse: int = 10,
    seed: int = 0,
) -> dict[str, Any]:
    """Cluster the stored `method` map of `space` at two levels and name each cluster (texts:
    c-TF-IDF terms, labels: the dominant one, word spaces: the words); stored with the map and
    the dataset as inputs."""
    n_fine = check_int(n_fine, "n_fine", "labels", 2)
    n_coarse = check_int(n_coarse, "n_coarse", "labels", 2)
    seed = check_seed(seed, "labels")
    space_obj = workspace.space(name, space)
    dataset = space_obj.source
    stored, map_entry = require_map(workspace, name, space_obj, method, dims, "label")
    n = len(stored.coords)
    fine = min(n_fine, max(2, n // 5))
    coarse = min(n_coarse, max(2, fine // 3))
    words = dataset.meta.get("kind") == "words"
    with progress.task(f"Naming the regions of the {method} map of '{space}'", total=None):
        result = label_map(
            stored.coords,
            ids=dataset.ids(),
            texts=dataset.texts() if dataset.text_column and not words else None,
            labels=dataset.labels(),
            words=words,
            n_fine=fine,
            n_coarse=coarse,
            seed=seed,
        )
    run = RunRecord(
        kind="labels",
        dataset=name,
        space=space_obj.name,
        method=f"kmeans-2d+{result.source}",
        params={"map": map_entry.name, "n_fine": fine, "n_coarse": coarse},
        seed=seed,
    )
    run.report = {"source": result.source, "n_fine": fine, "n_coarse": coarse}
    table = pa.table(
        {"id": space_obj.ids(), "coarse_cluster": result.coarse, "fine_cluster": result.fine}
    )
    meta = {
        "space": space_obj.name,
        "map": map_entry.name,
        "source": result.source,
        "labels": [label.to_dict() for label in result.labels],
    }
    key = overlay_key("labels", space_obj.name, method, dims)
    workspace.save_result(
        "columns", name, key, table, run=run, inputs=[map_entry, dataset], meta=meta
    )
    return labels_summary({**meta, "dataset": name, "method": method, "dims": dims})


def stored_map_labels(
    workspace: Workspace, name: str, space: str, *, method: str = "umap", dims: int = 2
) -> dict[str, Any] | None:
    """The stored names of a map's regions, if current."""
    found = stored_overlay(workspace, "labels", name, space, method, dims)
    return None if found is None else labels_summary(found)


def labels_summary(meta: dict[str, Any]) -> dict[str, Any]:
    keys = ("dataset", "space", "method", "dims", "source", "labels")
    return {key: meta[key] for key in keys}
