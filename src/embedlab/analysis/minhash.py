"""MinHash LSH over character shingles, vectorised with numpy: candidate pairs of texts whose
shingle sets may overlap at least a threshold.

Written here instead of calling datasketch, the field's library, because datasketch hashes
every shingle with SHA-1 in a Python call and bands every item in Python: 5-11 s of a
13,891-text audit on this machine (~0.5 ms a text, 10 minutes at a million). Here every
shingle of every text is hashed at once (a polynomial hash of its code points), each
permutation's minimum per text is one `np.minimum.reduceat`, and the bands are grouped by
sorting. The estimator is Broder's MinHash as in datasketch, with a multiply-shift universal
hash per permutation (Dietzfelbinger et al.: no division, where datasketch's mod 2^61 - 1 made
this step 7 s here), and bands chosen as datasketch chooses them: the fewest false positives
plus false negatives around the threshold.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BASE = np.uint64(1_000_003)  # the polynomial hash's base (a prime)
WINDOWS_PER_BLOCK = 1 << 15  # shingles per block: (block x perms) uint64 stays in cache
PERMS_PER_BLOCK = 16
ESTIMATE_MARGIN = 0.15


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads a polynomial hash's bits over all 64 (uint64 in, out)."""
    x = values.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def shingle_hashes(texts: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """(32-bit hashes of every `width`-character shingle of every text, in text order; the
    number of shingles per text). A text shorter than `width` is one shingle, itself; an
    empty text has none. Repeated shingles are kept: they do not change a minimum."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if not lengths.any():
        return np.zeros(0, dtype=np.uint32), np.zeros(len(texts), dtype=np.int64)
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    points = points.astype(np.uint64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    counts = np.where(lengths >= width, lengths - width + 1, (lengths > 0).astype(np.int64))
    starts = np.repeat(offsets, counts) + _ranks(counts)
    ends = np.minimum(starts + width, np.repeat(offsets + lengths, counts))
    rolled = np.zeros(len(starts), dtype=np.uint64)
    for step in range(width):  # h = sum of c[start + step] * BASE^(width - 1 - step)
        at = starts + step
        inside = at < ends
        rolled = rolled * BASE + np.where(inside, points[np.minimum(at, len(points) - 1)], 0)
    rolled += (ends - starts).astype(np.uint64)  # 'ab' padded is not the 5-gram 'ab\0\0\0'
    return (mix64(rolled) >> np.uint64(32)).astype(np.uint32), counts


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, .., count-1 for each count, concatenated."""
    total = int(counts.sum())
    firsts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - firsts


def signatures(hashes: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """(texts with at least one shingle, num_perm) uint32 MinHash signatures: per permutation
    the top 32 bits of (a * h + b) mod 2^64 (a odd), its minimum over each text's shingles."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    present = counts[counts > 0]
    bounds = np.concatenate([[0], np.cumsum(present)])
    result = np.empty((len(present), num_perm), dtype=np.uint32)
    text = 0
    while text < len(present):  # blocks of whole texts, ~WINDOWS_PER_BLOCK shingles each
        last = int(np.searchsorted(bounds, bounds[text] + WINDOWS_PER_BLOCK, side="right")) - 1
        last = max(last, text + 1)
        block = hashes[bounds[text] : bounds[last]].astype(np.uint64)
        local = (bounds[text:last] - bounds[text]).astype(np.int64)
        permuted = np.empty((len(block), PERMS_PER_BLOCK), dtype=np.uint64)
        for first in range(0, num_perm, PERMS_PER_BLOCK):
            ax, bx = a[first : first + PERMS_PER_BLOCK], b[first : first + PERMS_PER_BLOCK]
            out = permuted[:, : len(ax)]
            np.multiply(block[:, None], ax[None, :], out=out)
            out += bx[None, :]
            out >>= np.uint64(32)
            result[text:last, first : first + len(ax)] = np.minimum.reduceat(out, local)
        text = last
    return result


@lru_cache(maxsize=32)
def bands_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) with bands x rows <= num_perm that make the fewest false
    positives below `threshold` plus false negatives above it (weights 1/2 each)."""
    integrate = getattr(np, "trapezoid", None) or np.trapz  # numpy 1.x has only trapz
    grid = np.linspace(0.0, 1.0, 1001)
    below, above = grid <= threshold, grid >= threshold
    best, choice = np.inf, (1, num_perm)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            caught = 1 - (1 - grid**rows) ** bands
            false_pos = integrate(caught[below], grid[below])
            false_neg = integrate(1 - caught[above], grid[above])
            error = 0.5 * false_pos + 0.5 * false_neg
            if error < best:
                best, choice = error, (bands, rows)
    return choice


def candidate_pairs(signature: np.ndarray, threshold: float) -> np.ndarray:
    """(m, 2) pairs i < j of signature rows equal on at least one band (LSH's candidates)
    whose estimated Jaccard similarity (the share of equal entries) is within
    ESTIMATE_MARGIN of `threshold` or above: three standard errors at 128 permutations."""
    n, num_perm = signature.shape
    bands, rows = bands_for(threshold, num_perm)
    found = [np.zeros((0, 2), dtype=np.int64)]
    for band in range(bands):
        keys = np.zeros(n, dtype=np.uint64)
        for column in range(band * rows, (band + 1) * rows):
            keys = mix64(keys * BASE + signature[:, column].astype(np.uint64))
        found.append(_same_key_pairs(keys))
    pairs = np.unique(np.vstack(found), axis=0)
    estimate = np.zeros(len(pairs))
    for first in range(0, len(pairs), 65_536):
        chunk = pairs[first : first + 65_536]
        same = signature[chunk[:, 0]] == signature[chunk[:, 1]]
        estimate[first : first + len(chunk)] = same.mean(axis=1)
    return pairs[estimate >= threshold - ESTIMATE_MARGIN]


def _same_key_pairs(keys: np.ndarray) -> np.ndarray:
    """(m, 2) pairs i < j of rows with equal keys (buckets of two at once, larger in turn)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    cut = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    firsts = np.concatenate([[0], cut])
    sizes = np.diff(np.concatenate([firsts, [len(keys)]]))
    twos = firsts[sizes == 2]
    found = [np.sort(np.stack([order[twos], order[twos + 1]], axis=1), axis=1)]
    for first, size in zip(firsts[sizes > 2], sizes[sizes > 2], strict=True):
        members = np.sort(order[first : first + size])
        left, right = np.triu_indices(size, k=1)
        found.append(np.stack([members[left], members[right]], axis=1))
    return np.vstack(found).astype(np.int64)
