"""The registration's fast paths against plain definitions: the stacked 8x8 tiny images are
Pillow's per-image BOX resize to the bit, and the quick pass's correlation at no zoom is
Pearson's r of the inner region against the shifted one, at the best of the shifts."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from embedlab.analysis.copies import MARGIN, MAX_SHIFT, ZOOMS, tiny_images
from embedlab.analysis.registration import inner_only, register_pairs, zoom_stack


def per_image_tiny(thumb: np.ndarray, zoom: float) -> np.ndarray:
    """One image's 8x8 area average of its centre, zoomed: Pillow's BOX resize with a box."""
    side = thumb.shape[0]
    half = side / (2 * zoom)
    box = (side / 2 - half, side / 2 - half, side / 2 + half, side / 2 + half)
    image = Image.fromarray(np.ascontiguousarray(thumb))
    return np.asarray(image.resize((8, 8), Image.BOX, box=box), dtype=np.float32).ravel()


@pytest.mark.parametrize("side", [10, 17, 28, 32])
@pytest.mark.parametrize("zoom", [1.0, 1.1, 1.2])
def test_stacked_tiny_images_equal_one_resize_per_image(side: int, zoom: float) -> None:
    thumbs = np.random.default_rng(side).integers(0, 256, (60, side, side), dtype=np.uint8)
    expected = np.stack([per_image_tiny(t, zoom) for t in thumbs])
    assert np.array_equal(tiny_images(thumbs, zoom), expected)
    mirrored = thumbs[:, :, ::-1]  # a view, as the candidates pass it
    assert np.array_equal(
        tiny_images(mirrored, zoom), np.stack([per_image_tiny(t, zoom) for t in mirrored])
    )


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("side", [12, 28, 32])
def test_the_quick_pass_is_the_best_shifted_pearson_at_no_zoom(side: int) -> None:
    rng = np.random.default_rng(side)
    images = rng.integers(0, 256, (40, side, side)).astype(np.float32)
    images[20:] = np.roll(images[:20], (1, -2), axis=(1, 2))  # shifted copies: r = 1 at a shift
    zooms = np.asarray(ZOOMS, dtype=np.float32)
    stack, stats = zoom_stack(images, zooms, MARGIN)
    pairs = np.array([(i, (i + 20) % 40) for i in range(40)] + [(0, 5), (3, 9)], dtype=np.int64)
    quick, transform = register_pairs(stack, inner_only(stack[0], MARGIN), stats, pairs, 2, MARGIN)
    inner = slice(MARGIN, side - MARGIN)
    for (i, j), r, (zoom, _, dy, dx) in zip(pairs, quick, transform, strict=True):
        shifted = {
            (y, x): pearson(
                stack[0, i][inner, inner],
                stack[0, j][MARGIN + y : side - MARGIN + y, MARGIN + x : side - MARGIN + x],
            )
            for y in range(-MAX_SHIFT, MAX_SHIFT + 1)
            for x in range(-MAX_SHIFT, MAX_SHIFT + 1)
        }
        assert r >= max(shifted.values()) - 1e-9  # no shift beats the pass
        if zoom == 0:  # the pass chose a shift: it is that shift's r
            assert r == pytest.approx(shifted[(int(dy), int(dx))], abs=1e-9)
    assert np.all(quick[:20] > 0.999)  # each copy found at its shift
    assert np.all(transform[:20, 2:] == [1, -2])
