"""Image quality checks: too dark, too bright, low contrast, blurry, odd one out in colour, odd
size or shape, exact duplicates.

Every check returns DESIGN.md's one result shape: a score per item in [0, 1] (lower = worse: the
item's rank among the dataset in the check's bad direction), a flag, a summary and the
parameters used. Flags are relative to the dataset: a value is flagged when it lies beyond a
robust fence, median -/+ `fence` x 1.4826 x MAD of the dataset, unless an absolute threshold is
given instead. Whatever the dataset, a near-black image is always dark, a near-white one always
bright and a flat one always low in contrast (`ALWAYS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
from PIL import Image

from embedlab.analysis.results import CheckResult, rank_scores, robust_fence
from embedlab.errors import InvalidInputError

STATISTICS = ("brightness", "contrast", "sharpness", "colourfulness")
SHARPNESS_SIDE = 256  # sharpness is measured at most at this size, so photos cost little
DEFAULT_FENCE = 3.0
#: Absolute limits that flag an image in any dataset (luminance mean and standard deviation).
ALWAYS = {"dark": 0.04, "bright": 0.96, "low_contrast": 0.01}


def image_statistics(images: Iterable[Image.Image]) -> dict[str, np.ndarray]:
    """Per image: mean and standard deviation of luminance in [0, 1], sharpness (log variance of
    the Laplacian of the luminance) and colourfulness (Hasler and Suesstrunk, 2003)."""
    from scipy import ndimage  # here: ~0.3 s to import, which an audit of texts does not need

    rows = []
    for image in images:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        small = image
        if max(image.size) > SHARPNESS_SIDE:
            small = image.copy()
            small.thumbnail((SHARPNESS_SIDE, SHARPNESS_SIDE))
        small_grey = np.asarray(small.convert("L"), dtype=np.float32) / 255.0
        sharpness = float(np.log1p(1e4 * ndimage.laplace(small_grey).var()))
        rg = rgb[..., 0] - rgb[..., 1]
        yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
        colourful = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
        rows.append((float(grey.mean()), float(grey.std()), sharpness, colourful))
    if not rows:
        raise InvalidInputError("Image quality needs at least one image.")
    table = np.asarray(rows, dtype=np.float64)
    return {name: table[:, i] for i, name in enumerate(STATISTICS)}


def threshold_check(
    name: str,
    values: np.ndarray,
    bad: Literal["low", "high"],
    *,
    threshold: float | None = None,
    fence: float = DEFAULT_FENCE,
    always: float | None = None,
) -> CheckResult:
    """Flag values beyond `threshold`, or beyond the dataset's robust fence when none is given;
    values beyond `always` are flagged in any case."""
    limit = threshold if threshold is not None else robust_fence(values, bad, fence)
    if always is not None and threshold is None:
        limit = max(limit, always) if bad == "low" else min(limit, always)
    flags = values < limit if bad == "low" else values > limit
    return CheckResult(
        name=name,
        scores=rank_scores(values, bad),
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "threshold": round(float(limit), 6),
            "median": round(float(np.median(values)), 6),
        },
        params={"bad": bad, "threshold": threshold, "fence": fence, "always": always},
        values=values,
    )


def odd_colour_check(colourfulness: np.ndarray, grey_below: float = 0.02) -> CheckResult:
    """Grey images in a colour dataset, or colour images in a grey one: the minority is odd."""
    grey = colourfulness < grey_below
    odd = grey if grey.mean() < 0.5 else ~grey
    return CheckResult(
        name="odd_colour",
        scores=np.where(odd, 0.0, 1.0),
        flags=odd,
        summary={"flagged": int(odd.sum()), "grey_images": int(grey.sum())},
        params={"grey_below": grey_below},
    )


def odd_shape_check(
    widths: np.ndarray, heights: np.ndarray, fence: float = DEFAULT_FENCE
) -> CheckResult:
    """Aspect ratio or pixel count far from the rest of the dataset (on a log scale)."""
    aspect = np.log(widths / heights)
    area = np.log(widths * heights)
    deviation = np.zeros(len(widths))
    for values in (aspect, area):
        median = np.median(values)
        spread = 1.4826 * np.median(np.abs(values - median)) or 0.1  # all alike: 10% is odd
        deviation = np.maximum(deviation, np.abs(values - median) / spread)
    flags = deviation > fence
    return CheckResult(
        name="odd_shape",
        scores=1.0 / (1.0 + deviation / fence),
        flags=flags,
        summary={"flagged": int(flags.sum())},
        params={"fence": fence},
    )


def exact_duplicates(hashes: list[str]) -> CheckResult:
    """Items whose pixels equal an earlier item's: all but the first of each group are flagged."""
    first: dict[str, int] = {}
    flags = np.zeros(len(hashes), dtype=bool)
    groups: dict[str, list[int]] = {}
    for row, digest in enumerate(hashes):
        if digest in first:
            flags[row] = True
            groups.setdefault(digest, [first[digest]]).append(row)
        else:
            first[digest] = row
    return CheckResult(
        name="exact_duplicate",
        scores=np.where(flags, 0.0, 1.0),
        flags=flags,
        summary={"flagged": int(flags.sum()), "groups": len(groups)},
        params={},
    )


def image_quality_checks(
    stats: dict[str, np.ndarray],
    widths: np.ndarray,
    heights: np.ndarray,
    hashes: list[str],
    thresholds: dict[str, float] | None = None,
    fence: float = DEFAULT_FENCE,
) -> list[CheckResult]:
    """All checks; `thresholds` overrides the dataset-relative fence per check by name."""
    given = dict(thresholds or {})
    known = {"dark", "bright", "low_contrast", "blurry"}
    unknown = set(given) - known
    if unknown:
        raise InvalidInputError(
            f"Unknown image quality threshold(s) {sorted(unknown)}; valid: {sorted(known)}."
        )

    def check(name: str, statistic: str, bad: Literal["low", "high"]) -> CheckResult:
        return threshold_check(
            name,
            stats[statistic],
            bad,
            threshold=given.get(name),
            fence=fence,
            always=ALWAYS.get(name),
        )

    return [
        check("dark", "brightness", "low"),
        check("bright", "brightness", "high"),
        check("low_contrast", "contrast", "low"),
        check("blurry", "sharpness", "low"),
        odd_colour_check(stats["colourfulness"]),
        odd_shape_check(widths.astype(float), heights.astype(float), fence=fence),
        exact_duplicates(hashes),
    ]
