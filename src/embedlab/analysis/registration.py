"""The numba kernels that register small grey thumbnails onto each other, for
analysis/copies.py: every image at every searched zoom (`zoom_stack`), then per candidate pair
the best Pearson's r over integer shifts and zooms (`register_pairs`, `correlate_at`). Pixels
are uint8 and their products exact integers, so the scores do not depend on the order of the
sums. A module of its own: numba and the kernels' cache load only when copies are searched."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["correlate_at", "inner_only", "register_pairs", "zoom_stack"]


@numba.njit(cache=True, inline="always")
def _sample(image: np.ndarray, y: float, x: float) -> float:
    """Bilinear sample, edges clamped."""
    side = image.shape[0]
    y = min(max(y, 0.0), side - 1.0)
    x = min(max(x, 0.0), side - 1.0)
    y0 = min(int(y), side - 2)
    x0 = min(int(x), side - 2)
    fy = y - y0
    fx = x - x0
    top = image[y0, x0] * (1 - fx) + image[y0, x0 + 1] * fx
    bottom = image[y0 + 1, x0] * (1 - fx) + image[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


@numba.njit(cache=True)
def _zoomed(image: np.ndarray, zoom: float, out: np.ndarray) -> None:
    """`image` magnified `zoom` times about its centre, into `out`."""
    side = image.shape[0]
    centre = (side - 1) / 2.0
    for y in range(side):
        for x in range(side):
            out[y, x] = _sample(image, centre + (y - centre) / zoom, centre + (x - centre) / zoom)


@numba.njit(cache=True)
def _sums(image: np.ndarray, total: np.ndarray, squares: np.ndarray) -> None:
    """Summed-area tables of the image and of its squares ((side + 1)^2 each, exact ints)."""
    side = image.shape[0]
    for y in range(side):
        row = 0
        row_sq = 0
        for x in range(side):
            v = np.int64(image[y, x])
            row += v
            row_sq += v * v
            total[y + 1, x + 1] = total[y, x + 1] + row
            squares[y + 1, x + 1] = squares[y, x + 1] + row_sq


@numba.njit(cache=True, inline="always")
def _box(table: np.ndarray, y0: int, x0: int, y1: int, x1: int) -> np.int64:
    return table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]


@numba.njit(cache=True, inline="always")
def _dot(inner: np.ndarray, b: np.ndarray, offset: int, start: int, stop: int) -> np.int64:
    """Sum of a's inner region times b's, b shifted by `offset` = dy * side + dx: `inner` is a
    flattened with its pixels outside the region zeroed (`inner_only`), so one contiguous run
    [start, stop) of both flattened images covers the region at any shift up to the margin, and
    the loop vectorises (11x faster than row by row over 22-pixel rows). uint8 pixels multiplied
    as ints: exact, whatever the order."""
    x = inner[start:stop]
    y = b[start + offset : stop + offset]
    total = np.int32(0)
    for k in range(x.shape[0]):
        total += np.int32(x[k]) * np.int32(y[k])
    return np.int64(total)


@numba.njit(cache=True, inline="always")
def _run(side: int, margin: int) -> tuple[int, int]:
    """The run [start, stop) of a flattened side x side image from the inner region's first
    pixel to its last."""
    return margin * side + margin, (side - margin - 1) * side + side - margin


def inner_only(images: np.ndarray, margin: int) -> np.ndarray:
    """(n, side * side) uint8: the images flattened, pixels outside the inner region zeroed."""
    side = images.shape[1]
    inner = np.zeros_like(images)
    region = (slice(None), slice(margin, side - margin), slice(margin, side - margin))
    inner[region] = images[region]
    return inner.reshape(len(images), -1)


@numba.njit(cache=True, inline="always")
def _pearson(
    dot: np.int64, sa: np.int64, saa: np.int64, sb: np.int64, sbb: np.int64, count: int
) -> float:
    var_a = saa - sa * sa / count
    var_b = sbb - sb * sb / count
    if var_a <= 1e-9 or var_b <= 1e-9:
        return -1.0
    return (dot - sa * sb / count) / np.sqrt(var_a * var_b)


@numba.njit(cache=True)
def _best_shift(
    a_inner: np.ndarray,
    b: np.ndarray,
    reach: int,
    margin: int,
    a_stats: np.ndarray,
    total: np.ndarray,
    squares: np.ndarray,
) -> tuple[float, int, int]:
    """Best Pearson's r of a's inner region (`a_inner`, see `_dot`) against b's, b shifted up
    to `reach` each way, and that shift (b's region sums from its summed-area tables, a's
    given)."""
    side = b.shape[0]
    width = side - 2 * margin
    start, stop = _run(side, margin)
    b_flat = b.reshape(side * side)
    _sums(b, total, squares)
    best, best_dy, best_dx = -1.0, 0, 0
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            y0, x0 = margin + dy, margin + dx
            sb = _box(total, y0, x0, y0 + width, x0 + width)
            sbb = _box(squares, y0, x0, y0 + width, x0 + width)
            value = _pearson(
                _dot(a_inner, b_flat, dy * side + dx, start, stop),
                a_stats[0],
                a_stats[1],
                sb,
                sbb,
                width * width,
            )
            if value > best:
                best, best_dy, best_dx = value, dy, dx
    return best, best_dy, best_dx


@numba.njit(cache=True, parallel=True)
def zoom_stack(images: np.ndarray, zooms: np.ndarray, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """(len(zooms), n, side, side) uint8: every image at every zoom (zooms[0] = 1: as it is;
    a negative zoom: mirrored at zoom 1; a byte a pixel keeps 70,000 images at 7 zooms in
    0.4 GB, and rounding moves r by ~1e-5), and the (len(zooms), n, 2) sums and sums of
    squares of their inner regions."""
    out = np.empty((len(zooms), *images.shape), dtype=np.uint8)
    stats = np.zeros((len(zooms), images.shape[0], 2), dtype=np.int64)
    side = images.shape[1]
    for i in numba.prange(images.shape[0]):
        buffer = np.empty((side, side), dtype=np.float32)
        for z in range(len(zooms)):
            if z == 0:
                buffer[:] = images[i]
            elif zooms[z] < 0:  # mirrored left to right, at zoom 1
                buffer[:] = images[i][:, ::-1]
            else:
                _zoomed(images[i], zooms[z], buffer)
            for y in range(side):
                for x in range(side):
                    v = np.uint8(min(max(buffer[y, x] + 0.5, 0.0), 255.0))
                    out[z, i, y, x] = v
                    if margin <= y < side - margin and margin <= x < side - margin:
                        stats[z, i, 0] += np.int64(v)
                        stats[z, i, 1] += np.int64(v) * np.int64(v)
    return out, stats


@numba.njit(cache=True, parallel=True)
def register_pairs(
    stack: np.ndarray,
    inner: np.ndarray,
    stats: np.ndarray,
    pairs: np.ndarray,
    reach: int,
    margin: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation of each pair over integer shifts within `reach` at no zoom and over
    the zooms of `stack` applied to either side at no shift (`correlate_at` then searches
    the shifts at the best zoom). Also the transform found, per pair: (zoom index, which
    side is zoomed, dy, dx). `inner`: `stack[0]` as `inner_only` gives it (the fixed side)."""
    out = np.empty(len(pairs), dtype=np.float64)
    transform = np.zeros((len(pairs), 4), dtype=np.int64)
    side = stack.shape[2]
    count = (side - 2 * margin) ** 2
    reach = min(reach, margin)
    start, stop = _run(side, margin)
    for p in numba.prange(len(pairs)):
        i, j = pairs[p, 0], pairs[p, 1]
        total = np.zeros((side + 1, side + 1), dtype=np.int64)
        squares = np.zeros((side + 1, side + 1), dtype=np.int64)
        best, dy, dx = _best_shift(
            inner[i], stack[0, j], reach, margin, stats[0, i], total, squares
        )
        zoom, which = 0, 0
        for z in range(1, stack.shape[0]):
            for w in range(2):
                fixed, moved = (i, j) if w == 0 else (j, i)
                value = _pearson(
                    _dot(inner[fixed], stack[z, moved].reshape(side * side), 0, start, stop),
                    stats[0, fixed, 0],
                    stats[0, fixed, 1],
                    stats[z, moved, 0],
                    stats[z, moved, 1],
                    count,
                )
                if value > best:
                    best, zoom, which, dy, dx = value, z, w, 0, 0
        out[p] = best
        transform[p, 0], transform[p, 1], transform[p, 2], transform[p, 3] = zoom, which, dy, dx
    return out, transform


@numba.njit(cache=True, parallel=True)
def correlate_at(
    stack: np.ndarray,
    inner: np.ndarray,
    stats: np.ndarray,
    pairs: np.ndarray,
    transform: np.ndarray,
    reach: int,
    margin: int,
) -> np.ndarray:
    """Best correlation of each pair over shifts within `reach`, at the zoom and side found
    (`inner` as for `register_pairs`)."""
    out = np.empty(len(pairs), dtype=np.float64)
    side = stack.shape[2]
    for p in numba.prange(len(pairs)):
        total = np.zeros((side + 1, side + 1), dtype=np.int64)
        squares = np.zeros((side + 1, side + 1), dtype=np.int64)
        zoom, which = transform[p, 0], transform[p, 1]
        fixed, moved = (pairs[p, 0], pairs[p, 1]) if which == 0 else (pairs[p, 1], pairs[p, 0])
        out[p], _, _ = _best_shift(
            inner[fixed],
            stack[zoom, moved],
            min(reach, margin),
            margin,
            stats[0, fixed],
            total,
            squares,
        )
    return out
