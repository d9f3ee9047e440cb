"""Image checks: too dark, too bright, low contrast, blurry, odd colour, odd shape and exact
duplicates, all from statistics measured once per dataset (ImageData)."""

from __future__ import annotations

from typing import ClassVar, Literal

from embedlab.analysis.checks.base import Check, CheckData, ImageData, register
from embedlab.analysis.image_quality import (
    ALWAYS,
    DEFAULT_FENCE,
    exact_duplicates,
    odd_colour_check,
    odd_shape_check,
    threshold_check,
)
from embedlab.analysis.results import CheckResult


class _ImageCheck(Check):
    needs: ClassVar[frozenset[str]] = frozenset({"images"})
    group = "image"

    @staticmethod
    def images(data: CheckData) -> ImageData:
        assert data.images is not None
        return data.images


class _ThresholdCheck(_ImageCheck):
    """A statistic beyond an absolute threshold, or the dataset's robust fence."""

    statistic: ClassVar[str]
    statistic: ClassVar[str]
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"fence": (0, None)}
    bad: ClassVar[Literal["low", "high"]]

    def run(
        self, data: CheckData, *, threshold: float | None = None, fence: float = DEFAULT_FENCE
    ) -> CheckResult:
        return threshold_check(
            self.name,
            self.images(data).statistics[self.statistic],
            self.bad,
            threshold=threshold,
            fence=fence,
            always=ALWAYS.get(self.name),
        )


@register
class DarkCheck(_ThresholdCheck):
    name, statistic, bad = "dark", "brightness", "low"


@register
class BrightCheck(_ThresholdCheck):
    name, statistic, bad = "bright", "brightness", "high"


@register
class LowContrastCheck(_ThresholdCheck):
    name, statistic, bad = "low_contrast", "contrast", "low"


@register
class BlurryCheck(_ThresholdCheck):
    name, statistic, bad = "blurry", "sharpness", "low"


@register
class OddColourCheck(_ImageCheck):
    name = "odd_colour"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"grey_below": (0, 1)}

    def run(self, data: CheckData, *, grey_below: float = 0.02) -> CheckResult:
        return odd_colour_check(self.images(data).statistics["colourfulness"], grey_below)


@register
class OddShapeCheck(_ImageCheck):
    name = "odd_shape"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"fence": (0, None)}

    def run(self, data: CheckData, *, fence: float = DEFAULT_FENCE) -> CheckResult:
        images = self.images(data)
        return odd_shape_check(
            images.widths.astype(float), images.heights.astype(float), fence=fence
        )


@register
class ExactDuplicateCheck(_ImageCheck):
    name = "exact_duplicate"

    def run(self, data: CheckData) -> CheckResult:
        return exact_duplicates(self.images(data).content_hashes)
