"""Random walks on CSR arrays in numba, parallel over walks and reproducible whatever the thread
count: walk i draws from its own counter-based generator (splitmix64 of seed and i, then
xorshift64*), so the same seed gives the same walks on 1 or 16 threads.

First-order walks (DeepWalk) step to a neighbour with probability proportional to the edge
weight (binary search in the row's cumulative weights; uniform when unweighted). Second-order
walks (node2vec) use rejection sampling (as KnightKing and pecanpy's node2vec+ family do): a
first-order proposal x from v, having come from t, is accepted with probability
alpha(t, x) / max(alpha), alpha = 1/p if x == t, 1 if x is a neighbour of t, else 1/q; memory
stays O(edges), no alias tables. Walks come in chunks: embedlab's skip-gram (skipgram.py) trains
on each chunk as it comes; for gensim they are streamed to a token file, one line per walk,
node rows as decimal tokens (its corpus_file format).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from embedlab import progress

CHUNK_WALKS = 20_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STAR = np.uint64(0x2545F4914F6CDD1D)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(inline="always", cache=True)
def _seed_state(seed: np.uint64, walk: np.uint64) -> np.uint64:
    z = seed * _GOLDEN + walk + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return z if z != np.uint64(0) else _GOLDEN


@numba.njit(inline="always", cache=True)
def _uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """xorshift64*: the next state and a float in [0, 1)."""
    state ^= state >> np.uint64(12)
    state ^= state << np.uint64(25)
    state ^= state >> np.uint64(27)
    value = (state * _STAR) >> np.uint64(11)
    return state, float(value) * _TO_UNIT


@numba.njit(cache=True)
def cumulative_weights(indptr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-row running sums of the edge weights (float64), for weighted steps."""
    out = np.empty(len(weights), dtype=np.float64)
    for node in range(len(indptr) - 1):
        total = 0.0
        for j in range(indptr[node], indptr[node + 1]):
            total += weights[j]
            out[j] = total
    return out


@numba.njit(inline="always", cache=True)
def _step(
    indptr: np.ndarray,
    indices: np.ndarray,
    cumulative: np.ndarray,
    weighted: bool,
    node: int,
    u: float,
) -> int:
    """A first-order step from `node` with the uniform draw `u` (-1 at a dead end)."""
    lo, hi = indptr[node], indptr[node + 1]
    if hi == lo:
        return -1
    if not weighted:
        return indices[lo + min(int(u * (hi - lo)), hi - lo - 1)]
    target = u * cumulative[hi - 1]
    left, right = lo, hi - 1
    while left < right:
        middle = (left + right) // 2
        if cumulative[middle] <= target:
            left = middle + 1
        else:
            right = middle
    return indices[left]


@numba.njit(inline="always", cache=True)
def _has_edge(indptr: np.ndarray, indices: np.ndarray, a: int, b: int) -> bool:
    left, right = indptr[a], indptr[a + 1]
    while left < right:
        middle = (left + right) // 2
        if indices[middle] < b:
            left = middle + 1
        else:
            right = middle
    return left < indptr[a + 1] and indices[left] == b


@numba.njit(parallel=True, cache=True)
def random_walks(
    indptr: np.ndarray,
    indices: np.ndarray,
    cumulative: np.ndarray,
    weighted: bool,
    starts: np.ndarray,
    walk_length: int,
    p: float,
    q: float,
    seed: int,
    first_walk: int,
) -> np.ndarray:
    """One walk per start node, (len(starts), walk_length) int32, -1 after a dead end;
    p == q == 1 takes the first-order path (no rejection test)."""
    out = np.full((len(starts), walk_length), -1, dtype=np.int32)
    second_order = p != 1.0 or q != 1.0
    alpha_return, alpha_out = 1.0 / p, 1.0 / q
    alpha_max = max(alpha_return, 1.0, alpha_out)
    for i in numba.prange(len(starts)):
        state = _seed_state(np.uint64(seed), np.uint64(first_walk + i))
        previous, node = -1, starts[i]
        out[i, 0] = node
        for step in range(1, walk_length):
            while True:
                state, u = _uniform(state)
                candidate = _step(indptr, indices, cumulative, weighted, node, u)
                if candidate < 0 or not second_order or previous < 0:
                    break
                if candidate == previous:
                    alpha = alpha_return
                elif _has_edge(indptr, indices, previous, candidate):
                    alpha = 1.0
                else:
                    alpha = alpha_out
                state, u = _uniform(state)
                if u * alpha_max < alpha:
                    break
            if candidate < 0:
                break
            out[i, step] = candidate
            previous, node = node, candidate
    return out


@numba.njit(cache=True)
def walks_to_text(walks: np.ndarray) -> np.ndarray:
    """Walks as UTF-8 bytes: node rows in decimal, separated by spaces, a line per walk."""
    size = 0
    for i in range(walks.shape[0]):
        for j in range(walks.shape[1]):
            node = walks[i, j]
            if node < 0:
                break
            size += 1
            while node >= 10:
                size += 1
                node //= 10
            size += 1  # the space or the newline after it
    out = np.empty(size, dtype=np.uint8)
    at = 0
    digits = np.empty(12, dtype=np.uint8)
    for i in range(walks.shape[0]):
        for j in range(walks.shape[1]):
            node = walks[i, j]
            if node < 0:
                break
            if j > 0:
                out[at] = 32
                at += 1
            count = 0
            while True:
                digits[count] = 48 + node % 10
                count += 1
                node //= 10
                if node == 0:
                    break
            for d in range(count - 1, -1, -1):
                out[at] = digits[d]
                at += 1
        out[at] = 10
        at += 1
    return out[:at]


@dataclass
class WalkCorpus:
    """The walks on disk and what gensim needs to know about them."""

    path: Path
    counts: np.ndarray  # occurrences of each node row in the walks
    n_walks: int
    n_tokens: int


def walk_chunks(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    *,
    weighted: bool,
    num_walks: int,
    walk_length: int,
    p: float,
    q: float,
    seed: int,
) -> Iterator[tuple[np.ndarray, int]]:
    """`num_walks` walks from every node, each pass in a seeded shuffled order, as chunks of
    CHUNK_WALKS walks with the index of each chunk's first walk; the same seed gives the same
    chunks, so a second call repeats the walks without storing them."""
    n_nodes = len(indptr) - 1
    cumulative = cumulative_weights(indptr, weights) if weighted else np.zeros(1)
    order = np.random.default_rng(seed)
    done = 0
    for _ in range(num_walks):
        starts = order.permutation(n_nodes).astype(np.int32)
        for begin in range(0, n_nodes, CHUNK_WALKS):
            chunk = starts[begin : begin + CHUNK_WALKS]
            walks = random_walks(
                indptr, indices, cumulative, weighted, chunk, walk_length, p, q, seed, done
            )
            yield walks, done
            done += len(chunk)


def count_tokens(
    chunks: Iterable[tuple[np.ndarray, int]],
    n_nodes: int,
    advance: Callable[[int], None] | None = None,
) -> np.ndarray:
    """How often each node row occurs in the walks; `advance(walks in the chunk)` after each."""
    counts = np.zeros(n_nodes, dtype=np.int64)
    for walks, _ in chunks:
        counts += np.bincount(walks[walks >= 0], minlength=n_nodes)
        if advance is not None:
            advance(len(walks))
    return counts


def write_walks(
    path: Path,
    chunks: Iterable[tuple[np.ndarray, int]],
    n_nodes: int,
    *,
    label: str,
    total: int,
) -> WalkCorpus:
    """The walks written chunk by chunk to `path`, a line per walk (gensim's corpus_file
    format); memory holds one chunk."""
    counts = np.zeros(n_nodes, dtype=np.int64)
    with path.open("wb") as fh, progress.task(label, total=total) as bar:
        for walks, _ in chunks:
            fh.write(walks_to_text(walks).tobytes())
            counts += np.bincount(walks[walks >= 0], minlength=n_nodes)
            bar.advance(len(walks))
    return WalkCorpus(path, counts, total, int(counts.sum()))


class threads_for:
    """Numba's thread count for a block (0 = numba's default, all cores)."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.previous = numba.get_num_threads()

    def __enter__(self) -> None:
        if self.threads:
            numba.set_num_threads(min(self.threads, numba.config.NUMBA_NUM_THREADS))

    def __exit__(self, *exc: object) -> None:
        numba.set_num_threads(self.previous)
