"""Near-duplicates that survive small edits, found beside the embedding: a 64-bit perceptual
hash per image (imagehash's pHash or dHash; pairs within a Hamming distance) and a MinHash of
each text's normalised character shingles (LSH, analysis/minhash.py; pairs whose estimated
Jaccard similarity reaches a threshold, confirmed on the exact shingle sets).

An edited copy (shifted a pixel, 4% brighter, re-encoded) can sit at cosine 0.82 in a CNN's
space, where look-alikes of one class sit too; its perceptual hash moves a few bits only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

import numpy as np
from PIL import Image
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from embedlab.analysis.copies import CopyOptions, find_copies
from embedlab.analysis.minhash import candidate_pairs, shingle_hashes, signatures
from embedlab.analysis.neighbors import NeighborGraph
from embedlab.analysis.results import CheckResult, rank_scores, robust_fence
from embedlab.errors import MissingDependencyError

HashKind = Literal["phash", "dhash"]
EXACT_HAMMING_MAX_ITEMS = 20_000  # all pairs compared below this; beyond, candidates only
_BLOCK = 2048
COPY_GRAPH_NEIGHBOURS = 5
MINHASH_BLOCK = 50_000  # texts hashed at once: ~65 bytes a shingle while a block is hashed


def perceptual_hashes(images: Iterable[Image.Image], kind: HashKind = "phash") -> np.ndarray:
    """One 64-bit perceptual hash per image, as uint64."""
    try:
        import imagehash
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise MissingDependencyError(
            "Perceptual hashes need imagehash: pip install imagehash==4.3.2"
        ) from error
    function = imagehash.phash if kind == "phash" else imagehash.dhash
    values = [int(str(function(image)), 16) for image in images]
    return np.asarray(values, dtype=np.uint64)


def hamming_pairs(
    hashes: np.ndarray, max_distance: int, candidates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (m, 2) with i < j, their Hamming distances) of hashes within `max_distance`:
    every pair when there are few enough items, else only the `candidates` pairs (e.g. the
    k-NN graph's) and those agreeing on one of four 16-bit bands."""
    n = len(hashes)
    if n <= EXACT_HAMMING_MAX_ITEMS:
        found = []
        for start in range(0, n, _BLOCK):
            block = hashes[start : start + _BLOCK, None] ^ hashes[None, :]
            distance = np.bitwise_count(block)
            rows, cols = np.nonzero(distance <= max_distance)
            rows = rows + start
            keep = rows < cols
            found.append(np.stack([rows[keep], cols[keep]], axis=1))
        pairs = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
    else:
        pairs = _band_pairs(hashes)
        if candidates is not None and len(candidates):
            pairs = np.unique(np.vstack([pairs, np.sort(candidates, axis=1)]), axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    distances = np.bitwise_count(hashes[pairs[:, 0]] ^ hashes[pairs[:, 1]]).astype(np.int64)
    keep = distances <= max_distance
    return pairs[keep].astype(np.int64), distances[keep]


def crowding(hashes: np.ndarray, rank: int, neighbours: np.ndarray) -> np.ndarray:
    """Per row, the Hamming distance to its `rank`-th nearest other hash: exact when there
    are few enough items, else among its k-NN graph `neighbours` (an upper bound). Where
    look-alikes crowd (digits: many 1s hash alike), a copy is no closer than a stranger."""
    n = len(hashes)
    if n <= EXACT_HAMMING_MAX_ITEMS:
        result = np.empty(n, dtype=np.int64)
        for start in range(0, n, _BLOCK):
            distance = np.bitwise_count(hashes[start : start + _BLOCK, None] ^ hashes[None, :])
            distance = distance.astype(np.int64)
            rows = np.arange(len(distance))
            distance[rows, rows + start] = 65  # not itself
            column = min(rank, n - 1) - 1
            result[start : start + len(distance)] = np.partition(distance, column, axis=1)[
                :, column
            ]
        return result
    distance = np.bitwise_count(hashes[:, None] ^ hashes[neighbours]).astype(np.int64)
    return np.sort(distance, axis=1)[:, min(rank, neighbours.shape[1]) - 1]


def _band_pairs(hashes: np.ndarray, max_bucket: int = 64) -> np.ndarray:
    """Pairs of items equal on one of four 16-bit bands (buckets above `max_bucket` items, a
    flat colour's hash, are skipped: they would be quadratic and say little)."""
    found = [np.zeros((0, 2), dtype=np.int64)]
    for band in range(4):
        keys = (hashes >> np.uint64(16 * band)) & np.uint64(0xFFFF)
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        for bucket in np.split(order, bounds):
            if 1 < len(bucket) <= max_bucket:
                rows, cols = np.triu_indices(len(bucket), k=1)
                found.append(np.stack([bucket[rows], bucket[cols]], axis=1))
    return np.unique(np.sort(np.vstack(found), axis=1), axis=0)


def normalise_text(text: str) -> str:
    """Lower case, NFKC, accents and punctuation removed, whitespace collapsed: what edits
    that do not change the content (case, quotes, spacing) leave the same."""
    if text.isascii():  # NFKC and NFKD leave ASCII as it is, and it has no accents
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
        text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]|_", " ", text)).strip()


def shingles(text: str, width: int = 5) -> set[str]:
    """The character `width`-grams of the normalised text (the whole text if shorter)."""
    return _shingle_set(normalise_text(text), width)


def _shingle_set(clean: str, width: int) -> set[str]:
    if len(clean) <= width:
        return {clean} if clean else set()
    return {clean[i : i + width] for i in range(len(clean) - width + 1)}


def minhash_pairs(
    texts: list[str],
    *,
    threshold: float = 0.5,
    num_perm: int = 128,
    width: int = 5,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (m, 2) with i < j, their Jaccard similarities) of texts whose shingle sets
    overlap at least `threshold`: candidates from MinHash LSH (analysis/minhash.py),
    confirmed exactly. Empty texts are never paired."""
    clean = [normalise_text(text or "") for text in texts]
    present, rows = [], []
    for start in range(0, len(clean), MINHASH_BLOCK):  # the shingles of a block at a time
        hashes, counts = shingle_hashes(clean[start : start + MINHASH_BLOCK], width)
        present.append(start + np.flatnonzero(counts > 0))
        rows.append(signatures(hashes, counts, num_perm, seed))
    kept = np.concatenate(present) if present else np.zeros(0, dtype=np.int64)
    if len(kept) < 2:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float64)
    pairs = kept[candidate_pairs(np.vstack(rows), threshold)]
    sets = {int(row): _shingle_set(clean[row], width) for row in np.unique(pairs)}
    jaccard = np.array(
        [len(sets[i] & sets[j]) / len(sets[i] | sets[j]) for i, j in pairs], dtype=np.float64
    )
    keep = jaccard >= threshold
    return pairs[keep].astype(np.int64), jaccard[keep]


def embedding_pairs(
    graph: NeighborGraph, threshold: float | None, exact: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """(pairs, similarities, threshold used) of k-NN pairs whose cosine similarity reaches
    `threshold` (default: set by the data, the nearest similarity's robust upper fence, at
    least 0.95 and at most `exact`)."""
    nearest = graph.similarities[:, 0].astype(np.float64)
    if threshold is None:
        threshold = float(min(max(robust_fence(nearest, "high", 3.0), 0.95), exact))
    rows, cols = np.nonzero(graph.similarities >= threshold)
    pairs = np.sort(np.stack([rows, graph.indices[rows, cols]], axis=1), axis=1)
    pairs, first = np.unique(pairs.astype(np.int64), axis=0, return_index=True)  # i-j and j-i
    return pairs, graph.similarities[rows, cols][first].astype(np.float64), threshold


def find_near_duplicates(
    graph: NeighborGraph,
    *,
    threshold: float | None = None,
    exact: float = 0.999999,
    image_hashes: np.ndarray | None = None,
    hash_distance: int = 12,
    hash_rank: int = 3,
    hash_ratio: float = 0.5,
    hashable: np.ndarray | None = None,
    texts: list[str] | None = None,
    text_threshold: float = 0.5,
    seed: int = 0,
    thumbnails: np.ndarray | None = None,
    copy_options: CopyOptions | None = None,
) -> CheckResult:
    """Groups of near-duplicates joined by any of four signals: `embedding` (cosine at or
    above `threshold`), `aligned` (image thumbnails that register onto each other, see
    analysis.copies), `phash` (perceptual hashes within `hash_distance` bits, for images
    without thumbnails) and `minhash` (shingle Jaccard at least `text_threshold`, for texts).
    With thumbnails the hashes are not used: look-alikes of one class share pHash bits as
    often as copies do, and the registration's own candidates hold every copy a hash pair
    held. A hash pair counts only if it is also under
    `hash_ratio` x each side's distance to its `hash_rank`-th nearest hash (a ratio test:
    tiny or uniform images hash alike without being copies) and both rows are `hashable`
    (all, if not given). All but the first item of each group are flagged, with the signals
    of the pairs that reach them. Pairs at or above `exact` are the same vector and are
    counted apart as exact duplicates."""
    n = graph.indices.shape[0]
    pairs, similarity, threshold = embedding_pairs(graph, threshold, exact)
    sources: dict[str, tuple[np.ndarray, np.ndarray]] = {"embedding": (pairs, 1 - similarity)}
    if thumbnails is not None:  # the registration needs no hash pairs: its own candidates
        copies, residual = find_copies(thumbnails, _graph_pairs(graph), copy_options)
        if hashable is not None:
            both = hashable[copies[:, 0]] & hashable[copies[:, 1]]
            copies, residual = copies[both], residual[both]
        sources["aligned"] = (copies, np.clip(residual * 10.0, 0.0, 0.5))
    elif image_hashes is not None:
        found, bits = hamming_pairs(image_hashes, hash_distance, candidates=pairs)
        crowd = crowding(image_hashes, hash_rank, graph.indices)
        distinct = bits <= hash_ratio * np.minimum(crowd[found[:, 0]], crowd[found[:, 1]])
        if hashable is not None:  # e.g. images too small for a hash to mean anything
            distinct &= hashable[found[:, 0]] & hashable[found[:, 1]]
        found, bits = found[distinct], bits[distinct]
        sources["phash"] = (found, bits / (2.0 * max(hash_distance, 1) + 2.0))
    if texts is not None:
        found, jaccard = minhash_pairs(texts, threshold=text_threshold, seed=seed)
        sources["minhash"] = (found, (1 - jaccard) / (2.0 * max(1 - text_threshold, 1e-6)))
    groups, flags, signals, pair_score = _groups(n, sources)
    hashed = image_hashes is not None and thumbnails is None
    nearest = graph.similarities[:, 0].astype(np.float64)
    scores = np.minimum(rank_scores(nearest, "high"), pair_score)
    by_signal = {name: int(sum(name in s.split("+") for s in signals[flags])) for name in sources}
    exact_pairs = int((similarity >= exact).sum())
    return CheckResult(
        name="near_duplicate",
        scores=scores,
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "groups": len(groups),
            "items_in_groups": int(sum(len(g) for g in groups)),
            "threshold": round(threshold, 6),
            "exact_pairs": exact_pairs,
            "by_signal": by_signal,
        },
        params={
            "threshold": threshold,
            "exact": exact,
            "hash_distance": hash_distance if hashed else None,
            "hash_rank": hash_rank if hashed else None,
            "hash_ratio": hash_ratio if hashed else None,
            "text_threshold": text_threshold if texts is not None else None,
            **_copy_params(thumbnails, image_hashes, copy_options),
        },
        values=nearest,
        signals=signals,
        groups=groups,
    )


def _graph_pairs(graph: NeighborGraph, k: int = COPY_GRAPH_NEIGHBOURS) -> np.ndarray:
    """The (row, neighbour) pairs of each row's `k` nearest in the k-NN graph (a copy the
    space sees at all is among them: 56 of 60 planted on efficientnet-lite0 within 5)."""
    nearest = graph.indices[:, :k]
    rows = np.repeat(np.arange(nearest.shape[0]), nearest.shape[1])
    return np.stack([rows, nearest.ravel()], axis=1).astype(np.int64)


def _copy_params(
    thumbnails: np.ndarray | None, hashes: np.ndarray | None, options: CopyOptions | None
) -> dict[str, float | int | None]:
    used = thumbnails is not None and hashes is not None
    options = options or CopyOptions()
    return {
        "copy_ratio": options.max_ratio if used else None,
        "copy_min_correlation": options.min_correlation if used else None,
        "copy_rank": options.rank if used else None,
        "copy_mirrored": options.mirrored if used else None,
        "thumbnail_side": int(thumbnails.shape[1]) if used and thumbnails is not None else None,
    }


def _groups(
    n: int, sources: dict[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[list[list[int]], np.ndarray, np.ndarray, np.ndarray]:
    """Connected groups of all pairs, largest first; flags (all but each group's first row),
    per-row signals (the sources of its pairs, for flagged rows) and per-row pair scores (in
    [0, 0.5] for rows in a pair, 1 otherwise)."""
    every = np.vstack([p for p, _ in sources.values()] + [np.zeros((0, 2), dtype=np.int64)])
    graph = coo_matrix((np.ones(len(every)), (every[:, 0], every[:, 1])), shape=(n, n))
    count, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=count)
    members = np.flatnonzero(sizes[component] > 1)
    grouped: dict[int, list[int]] = {}
    for row in members:
        grouped.setdefault(int(component[row]), []).append(int(row))
    groups = sorted(grouped.values(), key=len, reverse=True)
    flags = np.zeros(n, dtype=bool)
    for group in groups:
        flags[group[1:]] = True  # keep the first of each group
    signals = np.full(n, "", dtype=object)
    pair_score = np.ones(n)
    for name, (pairs, score) in sources.items():
        rows = np.unique(pairs.ravel())
        hit = rows[flags[rows]]
        signals[hit] = [f"{s}+{name}" if s else name for s in signals[hit]]
        for side in (0, 1):
            np.minimum.at(pair_score, pairs[:, side], np.clip(score, 0.0, 0.5))
    return groups, flags, signals, pair_score
