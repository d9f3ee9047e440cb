"""`image_quality`: the image part of the audit (the registered checks of the "image" group)
on a dataset's images, stored as its `image-quality` columns; `measure_images` is what the
full `quality` audit reads for image datasets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab import progress
from embedlab.analysis.checks import CheckData, ImageData, run_checks
from embedlab.analysis.copies import thumbnail, thumbnail_side
from embedlab.analysis.duplicates import perceptual_hashes
from embedlab.analysis.image_quality import STATISTICS, image_statistics
from embedlab.analysis.results import CheckResult
from embedlab.errors import InvalidInputError
from embedlab.pipeline.image_sequence import ImageSequence
from embedlab.store.handles import Dataset
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace, read_columns

COLUMNS_NAME = "image-quality"
MEASURES_NAME = "image-measures"  # decoded once per dataset version


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


THRESHOLD_CHECKS = ("dark", "bright", "low_contrast", "blurry")
FENCED_CHECKS = (*THRESHOLD_CHECKS, "odd_shape")


def image_options(thresholds: dict[str, float] | None, fence: float) -> dict[str, dict[str, float]]:
    """`image-quality`'s --threshold CHECK=VALUE and --fence as per-check options."""
    unknown = set(thresholds or {}) - set(THRESHOLD_CHECKS)
    if unknown:
        raise InvalidInputError(
            f"Unknown image quality threshold(s) {sorted(unknown)}; "
            f"valid: {sorted(THRESHOLD_CHECKS)}."
        )
    options: dict[str, dict[str, float]] = {name: {"fence": fence} for name in FENCED_CHECKS}
    for name, value in (thresholds or {}).items():
        options[name]["threshold"] = value
    return options


def measure_images(workspace: Workspace, dataset: Dataset) -> ImageData:
    """Statistics, sizes, content hashes, perceptual hashes and grey thumbnails of every image
    of `dataset`: decoded once per dataset version, then read back from its `image-measures`
    columns (an audit of 70,000 images otherwise spends more time decoding than checking).
    They are "measures", not "columns": the app lists none of them as fields."""
    column = dataset.meta.get("image_column")
    if not column:
        raise InvalidInputError(f"Dataset '{dataset.name}' has no images to check.")
    info = read_columns(dataset.table, ["width", "height", "content_hash"])
    widths, heights = info.column("width").to_numpy(), info.column("height").to_numpy()
    side = thumbnail_side(widths, heights)
    measured = _stored_measures(workspace, dataset, side)
    if measured is None:
        measured = _measure(workspace, dataset, column, side)
    return ImageData(
        statistics=measured.statistics,
        widths=widths,
        heights=heights,
        content_hashes=info.column("content_hash").to_pylist(),
        perceptual_hashes=measured.hashes,
        thumbnails=measured.thumbnails,
    )


@dataclass
class _Measures:
    statistics: dict[str, np.ndarray]
    hashes: np.ndarray
    thumbnails: np.ndarray  # (n, side, side) uint8 grey


def _measure(workspace: Workspace, dataset: Dataset, column: str, side: int) -> _Measures:
    images = ImageSequence(dataset, column)
    hashes: list[int] = []
    thumbnails: list[np.ndarray] = []
    with progress.task(f"Image statistics of '{dataset.name}'", total=len(images)) as bar:
        stats = image_statistics(_advancing(images, bar, hashes, thumbnails, side))
    measured = _Measures(stats, np.asarray(hashes, dtype=np.uint64), np.stack(thumbnails))
    table = pa.table(
        {
            "id": dataset.ids(),
            **{name: values.astype(np.float64) for name, values in stats.items()},
            # bytes, not numbers: nothing to colour a map by
            "phash": pa.array([h.tobytes() for h in measured.hashes], pa.binary(8)),
            "thumbnail": pa.array([t.tobytes() for t in measured.thumbnails], pa.binary()),
        }
    )
    run = RunRecord(
        kind="image-measures",
        dataset=dataset.name,
        method="image-measures",
        params={"thumbnail_side": side},
    )
    workspace.save_result(
        "measures",
        dataset.name,
        MEASURES_NAME,
        table,
        run=run,
        inputs=[dataset],
        meta={"thumbnail_side": side},
    )
    return measured


def _stored_measures(workspace: Workspace, dataset: Dataset, side: int) -> _Measures | None:
    """The stored measures, or None where they are missing, stale or of an older layout."""
    entry = workspace.result("measures", dataset.name, MEASURES_NAME)
    if entry is None or entry.meta.get("thumbnail_side") != side:
        return None
    table = read_columns(workspace.open_table(entry))
    if table.num_rows != len(dataset.ids()) or "thumbnail" not in table.column_names:
        return None
    stats = {name: table.column(name).to_numpy() for name in STATISTICS}
    hashes = np.frombuffer(b"".join(table.column("phash").to_pylist()), dtype=np.uint64)
    pixels = np.frombuffer(b"".join(table.column("thumbnail").to_pylist()), dtype=np.uint8)
    return _Measures(stats, hashes.copy(), pixels.reshape(-1, side, side).copy())


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
    options = image_options(thresholds, fence)
    ids = dataset.ids()
    images = measure_images(workspace, dataset)
    checks = run_checks(CheckData(ids=ids, images=images), options, groups={"image"})
    stats = images.statistics
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


def _advancing(
    images: ImageSequence,
    bar: progress.ProgressTask,
    hashes: list[int],
    thumbnails: list[np.ndarray],
    side: int,
) -> Any:
    """The images one by one, advancing the bar; their perceptual hashes and thumbnails
    appended on the way (so each image is decoded once)."""
    for image in images:
        hashes.append(int(perceptual_hashes([image])[0]))
        thumbnails.append(thumbnail(image, side))
        bar.advance(1)
        yield image


def stored_image_quality(workspace: Workspace, name: str) -> pa.Table | None:
    """The stored `image-quality` columns of a dataset (id first), or None."""
    workspace.dataset(name)  # a clear error for an unknown dataset
    entry = workspace.result("columns", name, COLUMNS_NAME)
    if entry is None:
        return None
    return read_columns(workspace.open_table(entry))
