"""Edited copies of images, confirmed by registering one image onto the other.

An edited copy (shifted a pixel or two, cropped and resized back, brightened, re-encoded) can
sit as far from its original in a CNN's space, or in pHash bits, as a look-alike of the same
class does. Its pixels, once the edit is undone, do not: over a small search of shifts and
zooms, the copy's grey thumbnail correlates with its original's almost perfectly (Pearson's r
removes brightness and contrast changes), and far better than with any other item. So:

1. candidates: pairs that any cheap descriptor puts near each other (the space's k-NN graph,
   tiny 8x8 images, the magnitude of the thumbnail's Fourier transform, which ignores shifts,
   and tiny images of the centre zoomed in, which meet cropped copies);
2. each candidate pair is registered (coarse to fine over integer shifts and centred zooms,
   both directions) and scored by the correlation of the overlap, on the thumbnails as they
   are and on them blurred (which hides JPEG noise but keeps shapes);
3. a pair is a copy when its residual (1 - r) is a small share of what each side's next
   closest candidates reach (Lowe's ratio test): look-alikes crowd, a copy stands apart.

numba kernels, written here because no library registers many small image pairs at once
(scikit-image registers one pair at a time, in Python).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from PIL import Image
from scipy import ndimage

from embedlab import progress
from embedlab.analysis.exact_search import top_k_cosine
from embedlab.analysis.index import HnswIndex
from embedlab.errors import InvalidInputError

THUMBNAIL_SIDE = 32
EXACT_CANDIDATE_MAX_ITEMS = 10_000
#: Centred zooms searched (each applied to either side of a pair): a crop of up to a tenth of
#: each side, resized back, is a zoom of up to 1.25.
ZOOMS = (1.0, 1.04, 1.08, 1.12, 1.16, 1.2, 1.25)
MAX_SHIFT = 2  # pixels of the thumbnail, each way
MARGIN = 3  # thumbnail pixels left out at each border: what a shift or a crop fills in
BLUR_SIGMA = 1.0
#: Pairs whose quick-pass ratio is above this are not searched fully (copies score <= 0.2).
SURVIVE_RATIO = 0.6


@dataclass
class CopyPairs:
    """Candidate pairs (m, 2), i < j, their best registered correlations (as they are and
    blurred) and ratios (residual over the next candidates' residual; small = a copy)."""

    pairs: np.ndarray
    correlation: np.ndarray
    blurred_correlation: np.ndarray
    ratio: np.ndarray


def thumbnail_side(widths: np.ndarray, heights: np.ndarray) -> int:
    """One thumbnail side for a dataset: 32, or the typical image's shorter side if smaller
    (28x28 digits are compared at 28, not blurred by upsampling)."""
    if len(widths) == 0:
        return THUMBNAIL_SIDE
    typical = float(np.median(np.minimum(widths, heights)))
    return int(np.clip(typical, 2 * MARGIN + 4, THUMBNAIL_SIDE))


def thumbnail(image: Image.Image, side: int) -> np.ndarray:
    """The image as a (side, side) uint8 grey thumbnail (area-averaged)."""
    return np.asarray(image.convert("L").resize((side, side), Image.BOX), dtype=np.uint8)


def candidate_pairs(
    thumbs: np.ndarray, graph_pairs: np.ndarray, k: int = 5, mirrored: bool = True
) -> np.ndarray:
    """Unique pairs (i < j) near in the space's graph or in any of the cheap descriptors
    (with `mirrored`, also the tiny images of the thumbnails mirrored left to right)."""
    n = len(thumbs)
    found = [np.asarray(graph_pairs, dtype=np.int64).reshape(-1, 2)]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    k = min(k, n - 1)
    plain = _Nearest(_unit_rows(tiny_images(thumbs, 1.0)))
    shifts = _Nearest(_unit_rows(np.log1p(_spectra(thumbs))))
    found += [plain.pairs(plain.corpus, k), shifts.pairs(shifts.corpus, k)]
    if mirrored:
        found.append(plain.pairs(_unit_rows(tiny_images(thumbs[:, :, ::-1], 1.0)), k))
    for zoom in (1.1, 1.2):
        found.append(plain.pairs(_unit_rows(tiny_images(thumbs, zoom)), k))
    every = np.sort(np.vstack(found), axis=1)
    every = every[every[:, 0] != every[:, 1]]
    return np.unique(every, axis=0)


def _spectra(thumbs: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """(n, 64) magnitudes of the 8x8 lowest frequencies of each thumbnail's Fourier transform
    (a shift leaves them as they are), in chunks: the whole transform of 70,000 thumbnails
    would hold 0.9 GB of complex numbers."""
    out = np.empty((len(thumbs), 64), dtype=np.float32)
    for start in range(0, len(thumbs), chunk):
        block = np.fft.fft2(thumbs[start : start + chunk].astype(np.float32))
        out[start : start + chunk] = np.abs(block[:, :8, :8]).reshape(len(block), -1)
    return out


class _Nearest:
    """k-NN of queries among unit descriptor rows: exact up to EXACT_CANDIDATE_MAX_ITEMS rows
    (quadratic: 70,000 thumbnails would take ~2 minutes for the four descriptors), else an
    HNSW graph built on one thread (deterministic; 60,000 x 64 in about 2 s)."""

    def __init__(self, corpus: np.ndarray) -> None:
        self.corpus = corpus
        self.index: HnswIndex | None = None
        if len(corpus) > EXACT_CANDIDATE_MAX_ITEMS:
            self.index = HnswIndex(m=12, ef_construction=64, build_threads=1).build(corpus)
            self.index.set_ef(48)

    def pairs(self, queries: np.ndarray, k: int) -> np.ndarray:
        """(query row, corpus row) of each query's k nearest corpus rows, itself left out."""
        if self.index is None:
            indices, _ = top_k_cosine(queries, self.corpus, k + 1, description="Copy candidates")
        else:
            indices, _ = self.index.query(queries, k + 1)
        rows = np.repeat(np.arange(len(queries)), indices.shape[1])
        pairs = np.stack([rows, indices.ravel()], axis=1).astype(np.int64)
        return pairs[(pairs[:, 0] != pairs[:, 1]) & (pairs[:, 1] >= 0)]


def score_pairs(
    thumbs: np.ndarray, pairs: np.ndarray, rank: int = 3, mirrored: bool = True
) -> CopyPairs:
    """Register the candidate pairs and score them (see the module's docstring): a quick
    pass (no shift at the zooms) over all, then the full search, blurred too, over the
    pairs that pass `SURVIVE_RATIO` or are among either side's `rank` best (the ratio's
    denominators); the others are no copies. With `mirrored`, one side mirrored left to right
    is searched too, as one more zoom."""
    grey = thumbs.astype(np.float32)
    zooms = np.asarray(ZOOMS + ((-1.0,) if mirrored else ()), dtype=np.float32)
    pairs = np.ascontiguousarray(pairs, dtype=np.int64)
    n = len(thumbs)
    with progress.task("Registering candidate copies", total=len(pairs)) as bar:
        stack, stats = _zoom_stack(grey, zooms, MARGIN)
        inner = _inner_only(stack[0], MARGIN)
        quick = np.empty(len(pairs))
        found = np.empty((len(pairs), 4), dtype=np.int64)
        for rows in _chunks(len(pairs)):
            quick[rows], found[rows] = _register(
                stack, inner, stats, pairs[rows], MAX_SHIFT, MARGIN
            )
            bar.advance(rows.stop - rows.start)
        keep = (_ratio(1.0 - quick, pairs, n, rank) <= SURVIVE_RATIO) | _best_of_each(
            quick, pairs, n, rank
        )
        plain, soft = quick.copy(), quick.copy()
        chosen, transform = np.ascontiguousarray(pairs[keep]), found[keep]
        # at no zoom the quick pass searched every shift already; at a zoom, search them now
        zoomed = np.flatnonzero(transform[:, 0] > 0)
        full = plain[keep]
        full[zoomed] = np.maximum(
            full[zoomed],
            _correlate_at(
                stack, inner, stats, chosen[zoomed], transform[zoomed], MAX_SHIFT, MARGIN
            ),
        )
        plain[keep] = full
        del stack
        blurred = ndimage.gaussian_filter(grey, sigma=(0, BLUR_SIGMA, BLUR_SIGMA))
        # blurred at the zoom found unblurred: searching every zoom again gained 2 of 72
        # wide-set copies for twice the time; half-pixel shifts gained 1 of 40 photo copies
        # for three times the time
        stack, stats = _zoom_stack(blurred, zooms, MARGIN)
        inner = _inner_only(stack[0], MARGIN)
        soft[keep] = _correlate_at(stack, inner, stats, chosen, transform, MAX_SHIFT, MARGIN)
    ratio = np.full(len(pairs), np.inf)  # not a copy on the quick pass
    ratio[keep] = np.minimum(
        _ratio(1.0 - plain[keep], chosen, n, rank), _ratio(1.0 - soft[keep], chosen, n, rank)
    )
    return CopyPairs(pairs, plain, soft, ratio)


def _chunks(total: int, size: int = 100_000) -> list[slice]:
    """Slices of at most `size` pairs: a progress bar step each (a million pairs ~ 40 s)."""
    return [slice(start, min(start + size, total)) for start in range(0, total, size)]


def _best_of_each(score: np.ndarray, pairs: np.ndarray, n: int, rank: int) -> np.ndarray:
    """Whether each pair is among the `rank` highest-scoring pairs of either of its sides."""
    sides, rows, _, starts = _by_side(-score, pairs, n)
    best = np.zeros(len(pairs), dtype=bool)
    best[rows[np.arange(len(sides)) - starts[sides] < rank]] = True
    return best


def _by_side(
    values: np.ndarray, pairs: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (side, pair row, value) of the pairs, twice per pair, sorted by side and then by
    value, and where each side's run starts (n entries)."""
    sides = np.concatenate([pairs[:, 0], pairs[:, 1]])
    rows = np.concatenate([np.arange(len(pairs))] * 2)
    doubled = np.concatenate([values, values])
    order = np.lexsort((doubled, sides))
    sides = sides[order]
    return sides, rows[order], doubled[order], np.searchsorted(sides, np.arange(n))


@dataclass(frozen=True)
class CopyOptions:
    """A pair is a copy when its registered correlation is at least `min_correlation` and
    its residual at most `max_ratio` of the `rank`-th smallest residual of either side's
    candidates (rank 3: an original with two copies still has a look-alike to compare)."""

    max_ratio: float = 0.2
    min_correlation: float = 0.95
    rank: int = 3
    mirrored: bool = True  # mirrored copies too (the commonest augmentation)

    def __post_init__(self) -> None:
        for name, ok, expected, value in (
            ("copy_ratio", 0 < self.max_ratio < 1, "in (0, 1)", self.max_ratio),
            (
                "copy_min_correlation",
                -1 <= self.min_correlation <= 1,
                "in [-1, 1]",
                self.min_correlation,
            ),
            ("copy_rank", self.rank >= 2, "an int >= 2", self.rank),
        ):
            if not ok:
                raise InvalidInputError(
                    f"The '{name}' option of the 'near_duplicate' check must be {expected}. "
                    f"Got {value} instead."
                )


def find_copies(
    thumbs: np.ndarray, known_pairs: np.ndarray, options: CopyOptions | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs, residuals 1 - r) of the candidate pairs (`known_pairs`, e.g. the k-NN graph's,
    plus the descriptors') confirmed as edited copies."""
    options = options or CopyOptions()
    candidates = candidate_pairs(thumbs, known_pairs, mirrored=options.mirrored)
    scored = score_pairs(thumbs, candidates, options.rank, mirrored=options.mirrored)
    best = np.maximum(scored.correlation, scored.blurred_correlation)
    keep = (scored.ratio <= options.max_ratio) & (best >= options.min_correlation)
    return scored.pairs[keep], 1.0 - best[keep]


def tiny_images(thumbs: np.ndarray, zoom: float) -> np.ndarray:
    """(n, 64) float32: an 8x8 area average of each (side, side) thumbnail's centre, `zoom`
    times magnified, as Pillow's BOX resize of each image with that centre as its box gives it;
    computed for all images at once by two one-dimensional resizes of the images stacked (the
    rows of all, then the columns of all): Pillow resizes across, rounds to bytes, then down,
    with the same coefficients for each image, so the result is the same to the bit, 10-20x
    faster than one call per image."""
    n, side = thumbs.shape[0], thumbs.shape[1]
    half = side / (2 * zoom)
    low, high = side / 2 - half, side / 2 + half
    rows = Image.fromarray(np.ascontiguousarray(thumbs, dtype=np.uint8).reshape(n * side, side))
    across = np.asarray(rows.resize((8, n * side), Image.BOX, box=(low, 0, high, n * side)))
    columns = np.ascontiguousarray(across.reshape(n, side, 8).transpose(0, 2, 1))
    down = Image.fromarray(columns.reshape(n * 8, side))
    down = np.asarray(down.resize((8, n * 8), Image.BOX, box=(low, 0, high, n * 8)))
    return down.reshape(n, 8, 8).transpose(0, 2, 1).reshape(n, 64).astype(np.float32)


def _unit_rows(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return np.ascontiguousarray(centred / np.maximum(norms, 1e-6), dtype=np.float32)


def _ratio(residual: np.ndarray, pairs: np.ndarray, n: int, rank: int) -> np.ndarray:
    """Each pair's residual over the smaller of its two sides' `rank`-th smallest residual
    among all their candidate pairs (the pair itself included)."""
    sides, _, values, starts = _by_side(residual, pairs, n)
    counts = np.bincount(sides, minlength=n)
    nth = np.full(n, np.inf)
    has = counts >= rank
    nth[has] = values[starts[has] + rank - 1]
    reference = np.minimum(nth[pairs[:, 0]], nth[pairs[:, 1]])
    return residual / np.maximum(reference, 1e-9)


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
    flattened with its pixels outside the region zeroed (`_inner_only`), so one contiguous run
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


def _inner_only(images: np.ndarray, margin: int) -> np.ndarray:
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
def _zoom_stack(
    images: np.ndarray, zooms: np.ndarray, margin: int
) -> tuple[np.ndarray, np.ndarray]:
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
def _register(
    stack: np.ndarray,
    inner: np.ndarray,
    stats: np.ndarray,
    pairs: np.ndarray,
    reach: int,
    margin: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation of each pair over integer shifts within `reach` at no zoom and over
    the zooms of `stack` applied to either side at no shift (`_correlate_at` then searches
    the shifts at the best zoom). Also the transform found, per pair: (zoom index, which
    side is zoomed, dy, dx). `inner`: `stack[0]` as `_inner_only` gives it (the fixed side)."""
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
def _correlate_at(
    stack: np.ndarray,
    inner: np.ndarray,
    stats: np.ndarray,
    pairs: np.ndarray,
    transform: np.ndarray,
    reach: int,
    margin: int,
) -> np.ndarray:
    """Best correlation of each pair over shifts within `reach`, at the zoom and side found
    (`inner` as for `_register`)."""
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
