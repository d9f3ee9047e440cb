"""`autolabel`: labels for every item from a few known ones, by spreading over the stored graph.

With `known`, the dataset's labels are all known and all but `known` of them are hidden: the
accuracy on the hidden ones says how many labels a person would have needed. Without it, the
labelled items are the known ones and the unlabelled ones get a label and a confidence.
Predictions are stored as the dataset's `autolabel-SPACE` columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from embedlab.analysis.autolabel import sample_known, spread_labels
from embedlab.analysis.quality import encode_labels
from embedlab.checks import check_int, check_seed
from embedlab.errors import InvalidInputError
from embedlab.pipeline.graph import DEFAULT_K, check_enough_items, neighbors
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace


@dataclass
class AutolabelReport:
    dataset: str
    space: str
    known: int
    predicted: int
    accuracy: float | None
    mean_confidence: float

    def to_dict(self) -> dict[str, object]:
        return dict(vars(self))


def autolabel(
    workspace: Workspace,
    name: str,
    space: str,
    *,
    label: str | None = None,
    known: int | None = None,
    k: int = DEFAULT_K,
    seed: int = 0,
) -> AutolabelReport:
    k, seed = check_int(k, "k", "autolabel", 1), check_seed(seed, "autolabel")
    dataset = workspace.dataset(name)
    column = label or dataset.label_column
    if column is None:
        raise InvalidInputError(f"Dataset '{name}' has no label column; name it with --label.")
    codes, classes, labelled = encode_labels(dataset.column(column))
    if len(classes) < 2:
        raise InvalidInputError(f"Auto-labelling needs at least 2 classes; found {len(classes)}.")
    if known is not None and known >= int(labelled.sum()):
        raise InvalidInputError(
            f"known={known} would hide no label: column '{column}' of dataset '{name}' has "
            f"{int(labelled.sum())} labelled items. Expected fewer than that, so that the hidden "
            "ones measure the accuracy."
        )
    space_obj = workspace.space(dataset, space)
    check_enough_items(len(space_obj.source), k, "autolabel", name)
    graph = neighbors(workspace, name, space_obj, k=k)
    if known is not None:
        keep = sample_known(np.where(labelled, codes, -1), known, seed)
        seeds = np.full(len(codes), -1)
        seeds[keep] = codes[keep]
    else:
        seeds = np.where(labelled, codes, -1)
    predicted, confidence = spread_labels(graph, seeds, len(classes))
    hidden = labelled & (seeds < 0)
    accuracy = (
        float((predicted[hidden] == codes[hidden]).mean()) if known and hidden.any() else None
    )
    run = RunRecord(
        kind="autolabel",
        dataset=name,
        space=space,
        method="label-spreading",
        params={"label": column, "known": known, "k": k},
        seed=seed,
    )
    run.report = {"accuracy": accuracy, "known": int((seeds >= 0).sum())}
    table = pa.table(
        {
            "id": dataset.ids(),
            "auto_label": [classes[p] for p in predicted],
            "auto_label_confidence": confidence.astype(np.float32),
            "label_known": seeds >= 0,
        }
    )
    meta = {"space": space, **run.report}
    workspace.save_result(
        "columns", name, f"autolabel-{space}", table, run=run, inputs=[space_obj], meta=meta
    )
    return AutolabelReport(
        name,
        space,
        int((seeds >= 0).sum()),
        int((seeds < 0).sum()),
        None if accuracy is None else round(accuracy, 4),
        round(float(confidence[seeds < 0].mean()) if (seeds < 0).any() else 1.0, 4),
    )
