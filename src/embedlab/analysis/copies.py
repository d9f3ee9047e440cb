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

The registration's numba kernels are in analysis/registration.py, written there because no
library registers many small image pairs at once (scikit-image registers one pair at a time, in
Python); they and the candidates' index are imported when copies are searched, not with this
module (an audit of texts needs neither).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from embedlab import progress
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
        from embedlab.analysis.index import HnswIndex

        self.corpus = corpus
        self.index: HnswIndex | None = None
        if len(corpus) > EXACT_CANDIDATE_MAX_ITEMS:
            self.index = HnswIndex(m=12, ef_construction=64, build_threads=1).build(corpus)
            self.index.set_ef(48)

    def pairs(self, queries: np.ndarray, k: int) -> np.ndarray:
        """(query row, corpus row) of each query's k nearest corpus rows, itself left out."""
        from embedlab.analysis.exact_search import top_k_cosine

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
    from scipy import ndimage  # here: ~0.3 s to import, which an audit of texts does not need

    from embedlab.analysis.registration import correlate_at, inner_only, register_pairs, zoom_stack

    grey = thumbs.astype(np.float32)
    zooms = np.asarray(ZOOMS + ((-1.0,) if mirrored else ()), dtype=np.float32)
    pairs = np.ascontiguousarray(pairs, dtype=np.int64)
    n = len(thumbs)
    with progress.task("Registering candidate copies", total=len(pairs)) as bar:
        stack, stats = zoom_stack(grey, zooms, MARGIN)
        inner = inner_only(stack[0], MARGIN)
        quick = np.empty(len(pairs))
        found = np.empty((len(pairs), 4), dtype=np.int64)
        for rows in _chunks(len(pairs)):
            quick[rows], found[rows] = register_pairs(
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
            correlate_at(stack, inner, stats, chosen[zoomed], transform[zoomed], MAX_SHIFT, MARGIN),
        )
        plain[keep] = full
        del stack
        blurred = ndimage.gaussian_filter(grey, sigma=(0, BLUR_SIGMA, BLUR_SIGMA))
        # blurred at the zoom found unblurred: searching every zoom again gained 2 of 72
        # wide-set copies for twice the time; half-pixel shifts gained 1 of 40 photo copies
        # for three times the time
        stack, stats = zoom_stack(blurred, zooms, MARGIN)
        inner = inner_only(stack[0], MARGIN)
        soft[keep] = correlate_at(stack, inner, stats, chosen, transform, MAX_SHIFT, MARGIN)
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
