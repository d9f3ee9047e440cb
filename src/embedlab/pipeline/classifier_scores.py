"""The image classifier's per-item scores for the audit (energy, maximum softmax), from an
efficientnet-lite0 space of the dataset: its vectors are the pooled features the model's
ImageNet layer reads, so the logits need no second pass over the images. The scores are kept
as the space's `cnn-scores-SPACE` measures (computed from the space, stale when it is embedded
again), so a later audit of any space of the dataset reads them back instead of multiplying
every vector by the 1280 x 1000 layer again (seconds at 70,000 items)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.classifier_ood import SCORES, scores_from_features
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace, read_columns

CNN_METHOD = "efficientnet-lite0"


def cnn_space(workspace: Workspace, dataset: Dataset, space: Space) -> Space | None:
    """Where an image dataset's classifier scores come from: the audited space when it is an
    EfficientNet-Lite0 space, else a current one of the same dataset; None when there is none
    (the cnn_ood check does not apply)."""
    if not dataset.meta.get("image_column"):
        return None
    if space.method == CNN_METHOD:
        return space
    for entry in workspace.entries("space", dataset.name):
        current = workspace.result("space", dataset.name, entry.name)
        if current is not None and current.meta.get("method") == CNN_METHOD:
            return workspace.space(dataset, entry.name)
    return None


def classifier_scores(workspace: Workspace, dataset: Dataset, cnn: Space) -> dict[str, np.ndarray]:
    """Per item of `dataset`, the classifier's scores from space `cnn`: read back when stored
    for the current version of the space, else computed and stored."""
    name = f"cnn-scores-{cnn.name}"
    entry = workspace.result("measures", dataset.name, name)
    if entry is not None:
        table = read_columns(workspace.open_table(entry))
        if table.num_rows == len(dataset):
            return {score: table.column(score).to_numpy() for score in SCORES}
    with progress.task(f"Classifier scores from '{cnn.name}'", total=None):
        scores = scores_from_features(cnn.vectors())
    table = pa.table({"id": cnn.ids(), **scores})
    run = RunRecord(kind="cnn-scores", dataset=dataset.name, space=cnn.name, method=CNN_METHOD)
    workspace.save_result("measures", dataset.name, name, table, run=run, inputs=[cnn])
    return scores
