"""`image_quality`: per-image statistics and checks, stored as columns of the dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.image_quality import CheckResult, image_quality_checks, image_statistics
from embedlab.errors import InvalidInputError
from embedlab.pipeline.embed import ImageSequence
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, read_columns

COLUMNS_NAME = "image-quality"


@dataclass
class ImageQualityReport:
    dataset: str
    ids: list[str]
    checks: list[CheckResult]
    statistics: dict[str, np.ndarray]

    def worst(self, check: str, n: int = 10) -> list[tuple[str, float]]:
        result = next(c for c in self.checks if c.name == check)
        order = np.argsort(result.scores, kind="stable")[:n]
        return [(self.ids[i], round(float(result.scores[i]), 4)) for i in order]

    def to_dict(self, worst: int = 10) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "n_items": len(self.ids),
            "checks": {
                c.name: {
                    **c.summary,
                    "params": c.params,
                    "flagged_ids": [self.ids[i] for i in np.flatnonzero(c.flags)[:100]],
                    "worst": self.worst(c.name, worst),
                }
                for c in self.checks
            },
        }


def image_quality(
    workspace: Workspace,
    name: str,
    *,
    thresholds: dict[str, float] | None = None,
    fence: float = 3.0,
) -> ImageQualityReport:
    """Run every image check on dataset `name` and store scores, flags and statistics as the
    dataset's `image-quality` columns (replaced atomically on each run)."""
    dataset = workspace.dataset(name)
    column = dataset.meta.get("image_column")
    if not column:
        raise InvalidInputError(f"Dataset '{name}' has no images to check.")
    images = ImageSequence(dataset, column)
    with progress.task(f"Image statistics of '{name}'", total=len(images)) as bar:
        stats = image_statistics(_advancing(images, bar))
    info = read_columns(dataset.table, ["width", "height", "content_hash"])
    checks = image_quality_checks(
        stats,
        info.column("width").to_numpy(),
        info.column("height").to_numpy(),
        info.column("content_hash").to_pylist(),
        thresholds=thresholds,
        fence=fence,
    )
    ids = dataset.ids()
    table: dict[str, Any] = {"id": ids, **{k: v.astype(np.float32) for k, v in stats.items()}}
    for check in checks:
        table[f"{check.name}_score"] = check.scores.astype(np.float32)
        table[f"{check.name}_flag"] = check.flags
        if check.values is not None:
            table[f"{check.name}_value"] = check.values.astype(np.float32)
    run = RunRecord(
        kind="image-quality",
        dataset=name,
        method="image-quality",
        params={"thresholds": thresholds or {}, "fence": fence},
    )
    run.report = {c.name: c.summary for c in checks}
    meta = {"checks": run.report, **run.params}
    workspace.save_result(
        "columns", name, COLUMNS_NAME, pa.table(table), run=run, inputs=[dataset], meta=meta
    )
    return ImageQualityReport(name, ids, checks, stats)


def _advancing(images: ImageSequence, bar: progress.ProgressTask) -> Any:
    for image in images:
        bar.advance(1)
        yield image


def stored_image_quality(workspace: Workspace, name: str) -> pa.Table | None:
    """The stored `image-quality` columns of a dataset (id first), or None."""
    workspace.dataset(name)  # a clear error for an unknown dataset
    entry = workspace.result("columns", name, COLUMNS_NAME)
    if entry is None:
        return None
    return workspace.open_table(entry).to_arrow()
