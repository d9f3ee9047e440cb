"""Image checks on constructed images where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from embedlab.analysis.image_quality import (
    exact_duplicates,
    image_quality_checks,
    image_statistics,
    odd_shape_check,
)
from embedlab.errors import InvalidInputError


def textured(seed: int, size: int = 48, colour: bool = True) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 200, size=(size // 4, size // 4, 3 if colour else 1), dtype=np.uint8)
    image = Image.fromarray(base.squeeze() if not colour else base).resize(
        (size, size), Image.Resampling.NEAREST
    )
    return image.convert("RGB")


def run_checks(images: list[Image.Image], **kwargs):
    stats = image_statistics(images)
    widths = np.array([i.width for i in images])
    heights = np.array([i.height for i in images])
    hashes = [str(hash(i.tobytes())) for i in images]
    return {
        c.name: c for c in image_quality_checks(stats, widths, heights, hashes, **kwargs)
    }, stats


def test_black_and_white_images_are_flagged_dark_and_bright() -> None:
    images = [textured(i) for i in range(40)]
    images += [Image.new("RGB", (48, 48), "black"), Image.new("RGB", (48, 48), "white")]
    checks, _ = run_checks(images)
    assert np.flatnonzero(checks["dark"].flags).tolist() == [40]
    assert np.flatnonzero(checks["bright"].flags).tolist() == [41]
    assert checks["dark"].scores[40] == 0.0 and checks["bright"].scores[41] == 0.0
    assert {40, 41} <= set(np.flatnonzero(checks["low_contrast"].flags).tolist())


def test_a_blurred_copy_scores_lower_sharpness() -> None:
    sharp = textured(7)
    blurred = sharp.filter(ImageFilter.GaussianBlur(3))
    stats = image_statistics([sharp, blurred])
    assert stats["sharpness"][1] < stats["sharpness"][0]
    images = [textured(i) for i in range(30)] + [blurred]
    checks, _ = run_checks(images)
    assert checks["blurry"].flags[-1] and checks["blurry"].scores[-1] == 0.0


def test_a_grey_image_in_a_colour_dataset_is_odd() -> None:
    images = [textured(i) for i in range(20)] + [textured(99, colour=False)]
    checks, stats = run_checks(images)
    assert np.flatnonzero(checks["odd_colour"].flags).tolist() == [20]
    assert stats["colourfulness"][20] < 0.02
    all_grey, _ = run_checks([textured(i, colour=False) for i in range(10)])
    assert not all_grey["odd_colour"].flags.any()


def test_odd_shapes_and_sizes() -> None:
    widths = np.array([64] * 20 + [640, 64], dtype=float)
    heights = np.array([48] * 20 + [480, 6], dtype=float)
    check = odd_shape_check(widths, heights)
    assert np.flatnonzero(check.flags).tolist() == [20, 21]


def test_exact_duplicates_keep_the_first() -> None:
    check = exact_duplicates(["a", "b", "a", "c", "a", "b"])
    assert check.flags.tolist() == [False, False, True, False, True, True]
    assert check.summary == {"flagged": 3, "groups": 2}


def test_absolute_thresholds_override_and_unknown_ones_are_refused() -> None:
    images = [textured(i) for i in range(10)]
    checks, stats = run_checks(images, thresholds={"dark": 1.0})
    assert checks["dark"].flags.all() and checks["dark"].summary["threshold"] == 1.0
    with pytest.raises(InvalidInputError, match="Unknown image quality threshold"):
        run_checks(images, thresholds={"darkk": 0.1})
