"""Skip-gram with negative sampling over random walks, in numba, the negatives shared by each
window (Ji et al., 2016, "Parallelizing Word2Vec in Shared and Distributed Memory").

Why our own kernel and not gensim's: gensim trains one (context, target) pair at a time through
BLAS level-1 calls on 128 floats and, on a graph of 100,000 nodes, spends most of its time
waiting on memory, fetching each pair's negative rows again. Here every centre position draws
its negatives once; the rows of its window's contexts and of its 1 + K targets are copied into
small buffers, all their scores come from one small matrix product, and the updates are written
back once per window. It trains the same pairs (gensim's reduced window, subsampling formula,
unigram^0.75 negatives, linear learning-rate decay) with a fraction of the memory traffic;
the price is that updates inside one window see the values from before the window.

Threads update the shared matrices without locks (Hogwild, as word2vec and gensim do); each walk
draws from its own seeded generator, so one thread gives the same vectors for the same seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numba
import numpy as np

from embedlab.methods.graph.walks import _seed_state, _uniform

MAX_EXP = 6.0
TABLE_SIZE = 1024
ALPHA_STEP = 10_000.0
_TRAIN_STREAM = np.uint64(0x5EED5EED5EED5EED)  # keeps training draws apart from walk draws


def sigmoid_tables() -> tuple[np.ndarray, np.ndarray]:
    """sigmoid(x) and log(sigmoid(x)) on TABLE_SIZE points of [-MAX_EXP, MAX_EXP]."""
    x = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / TABLE_SIZE * 2 * MAX_EXP - MAX_EXP
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    return sigmoid.astype(np.float32), np.log(sigmoid).astype(np.float32)


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's (and word2vec's) chance to keep each occurrence of a token seen `counts` times:
    frequent tokens are dropped more often; 1 for every token when `sample` is 0."""
    keep = np.ones(len(counts), dtype=np.float32)
    if sample <= 0:
        return keep
    threshold = sample * float(counts.sum())
    seen = counts > 0
    v = counts[seen].astype(np.float64)
    keep[seen] = np.minimum(1.0, (np.sqrt(v / threshold) + 1.0) * (threshold / v))
    return keep


@numba.njit(cache=True)
def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table: draw i with probability weights[i] / sum in O(1)."""
    n = len(weights)
    scaled = weights.astype(np.float64) * (n / weights.sum())
    prob = np.ones(n, dtype=np.float32)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        n_large -= 1
        g = large[n_large]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = scaled[g] + scaled[s] - 1.0
        if scaled[g] < 1.0:
            small[n_small] = g
            n_small += 1
        else:
            large[n_large] = g
            n_large += 1
    return prob, alias


@numba.njit(inline="always", fastmath=True, cache=True)
def _table_index(f: float) -> int:
    return min(TABLE_SIZE - 1, int((f + MAX_EXP) * (TABLE_SIZE / (2.0 * MAX_EXP))))


@numba.njit(inline="always", cache=True)
def _subsample(
    walk: np.ndarray, keep: np.ndarray, kept: np.ndarray, state: np.uint64
) -> tuple[int, np.uint64]:  # pragma: no cover - compiled
    """The walk's tokens (up to its first -1) that survive subsampling, into `kept`."""
    m = 0
    for token in walk:
        if token < 0:
            break
        if keep[token] < 1.0:
            state, u = _uniform(state)
            if u > keep[token]:
                continue
        kept[m] = token
        m += 1
    return m, state


@numba.njit(inline="always", cache=True)
def _draw_targets(
    centre: int,
    alias_prob: np.ndarray,
    alias_index: np.ndarray,
    targets: np.ndarray,
    state: np.uint64,
) -> tuple[int, np.uint64]:  # pragma: no cover - compiled
    """The centre, then len(targets) - 1 negatives drawn from the alias table (a draw of the
    centre itself is skipped, as in gensim); returns how many targets were filled."""
    n_nodes = len(alias_prob)
    targets[0] = centre
    n_tgt = 1
    for _ in range(len(targets) - 1):
        state, u = _uniform(state)
        slot = min(int(u * n_nodes), n_nodes - 1)
        state, u = _uniform(state)
        drawn = slot if u < alias_prob[slot] else alias_index[slot]
        if drawn != centre:
            targets[n_tgt] = drawn
            n_tgt += 1
    return n_tgt, state


@numba.njit(inline="always", fastmath=True, cache=True)
def _train_window(
    syn0: np.ndarray,
    syn1: np.ndarray,
    contexts: np.ndarray,
    targets: np.ndarray,
    buffers: np.ndarray,
    sigmoid: np.ndarray,
    log_sigmoid: np.ndarray,
    alpha: float,
) -> float:  # pragma: no cover - compiled
    """Train each context row against the centre (target 0) and the negatives; returns the
    window's loss. The contexts go in turn, as in gensim; the targets' rows stay in `buffers`
    and take each context's update at once, and their change is written back at the end."""
    dims = syn0.shape[1]
    n_tgt = len(targets)
    width = (buffers.shape[0] - 2) // 2
    outputs, before = buffers[:width], buffers[width : 2 * width]
    inputs, d_inputs = buffers[2 * width], buffers[2 * width + 1]
    loss = 0.0
    for b in range(n_tgt):
        outputs[b] = syn1[targets[b]]
        before[b] = outputs[b]
    for row in contexts:
        for k in range(dims):
            inputs[k] = syn0[row, k]
            d_inputs[k] = 0.0
        for b in range(n_tgt):
            f = np.float32(0.0)
            for k in range(dims):
                f += inputs[k] * outputs[b, k]
            if f >= MAX_EXP:
                p, log_p = 1.0, 0.0
            elif f <= -MAX_EXP:
                p, log_p = 0.0, f
            else:
                at = _table_index(f)
                p, log_p = sigmoid[at], log_sigmoid[at]
            # -log sigmoid(f) for the true target, -log sigmoid(-f) for a negative
            loss -= log_p if b == 0 else log_p - f
            g = np.float32(((1.0 if b == 0 else 0.0) - p) * alpha)
            for k in range(dims):
                d_inputs[k] += g * outputs[b, k]
                outputs[b, k] += g * inputs[k]
        for k in range(dims):
            syn0[row, k] += d_inputs[k]
    for b in range(n_tgt):
        row = targets[b]
        for k in range(dims):
            syn1[row, k] += outputs[b, k] - before[b, k]
    return loss


@numba.njit(parallel=True, fastmath=True, cache=True)
def train_chunk(
    walks: np.ndarray,
    syn0: np.ndarray,
    syn1: np.ndarray,
    keep: np.ndarray,
    alias_prob: np.ndarray,
    alias_index: np.ndarray,
    sigmoid: np.ndarray,
    log_sigmoid: np.ndarray,
    window: int,
    negative: int,
    alpha_start: float,
    alpha_end: float,
    done_before: float,
    tokens_per_walk: float,
    total: float,
    seed: int,
    first_walk: int,
    n_blocks: int,
) -> float:
    """One pass of skip-gram over a chunk of walks ((n, length) int32, -1 after a dead end);
    updates syn0 (input vectors) and syn1 (output vectors) in place, returns the summed loss.
    The learning rate falls linearly from alpha_start to alpha_end over `total` tokens, in
    steps of ALPHA_STEP tokens."""
    n_walks, length = walks.shape
    dims = syn0.shape[1]
    losses = np.zeros(n_blocks)
    for block in numba.prange(n_blocks):
        contexts = np.empty(2 * window, dtype=np.int32)
        targets = np.empty(negative + 1, dtype=np.int32)
        # rows 0..negative: the targets' rows as trained; negative+1..: as read; last two: the
        # context's row and its change
        buffers = np.empty((2 * negative + 4, dims), dtype=np.float32)
        kept = np.empty(length, dtype=np.int32)
        loss = 0.0
        for i in range(block * n_walks // n_blocks, (block + 1) * n_walks // n_blocks):
            state = _seed_state(np.uint64(seed) ^ _TRAIN_STREAM, np.uint64(first_walk + i))
            # the rate steps down every ALPHA_STEP tokens, as in word2vec.c and gensim: on
            # small graphs a smooth decay trains markedly less (see the tests)
            progress = (done_before + i * tokens_per_walk) // ALPHA_STEP * ALPHA_STEP / total
            alpha = max(alpha_end, alpha_start - (alpha_start - alpha_end) * progress)
            m, state = _subsample(walks[i], keep, kept, state)
            for centre in range(m):
                state, u = _uniform(state)
                reach = window - min(int(u * window), window - 1)
                n_ctx = 0
                for j in range(max(0, centre - reach), min(m, centre + reach + 1)):
                    if j != centre:
                        contexts[n_ctx] = kept[j]
                        n_ctx += 1
                if n_ctx == 0:
                    continue
                n_tgt, state = _draw_targets(kept[centre], alias_prob, alias_index, targets, state)
                window_contexts, window_targets = contexts[:n_ctx], targets[:n_tgt]
                loss += _train_window(
                    syn0,
                    syn1,
                    window_contexts,
                    window_targets,
                    buffers,
                    sigmoid,
                    log_sigmoid,
                    alpha,
                )
        losses[block] = loss
    return losses.sum()


def train_walks(
    chunks: Callable[[], Iterator[tuple[np.ndarray, int]]],
    counts: np.ndarray,
    *,
    dimensions: int,
    window: int,
    negative: int,
    sample: float,
    alpha: float,
    min_alpha: float = 1e-4,
    epochs: int,
    seed: int,
    threads: int,
    advance: Callable[[int], None],
) -> tuple[np.ndarray, list[float]]:
    """Skip-gram vectors (n_nodes, dimensions) float32 from the walks `chunks()` yields (each
    call a fresh pass: (walks, index of its first walk)); `counts` are the token counts of one
    pass. Returns the vectors and the loss of each epoch."""
    n_nodes = len(counts)
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((n_nodes, dimensions), dtype=np.float32) - 0.5) / dimensions).astype(
        np.float32
    )
    syn1 = np.zeros((n_nodes, dimensions), dtype=np.float32)
    keep = keep_probabilities(counts, sample)
    weights = np.power(counts.astype(np.float64), 0.75)
    prob, alias = alias_table(weights if weights.sum() > 0 else np.ones(n_nodes))
    sigmoid, log_sigmoid = sigmoid_tables()
    per_pass = float(counts.sum())
    total = max(1.0, per_pass * epochs)
    losses: list[float] = []
    for epoch in range(epochs):
        loss, done = 0.0, per_pass * epoch
        for walks, first in chunks():
            tokens = float((walks >= 0).sum())
            loss += train_chunk(
                walks,
                syn0,
                syn1,
                keep,
                prob,
                alias,
                sigmoid,
                log_sigmoid,
                window,
                negative,
                alpha,
                min_alpha,
                done,
                tokens / max(1, len(walks)),
                total,
                seed + epoch * 1_000_003,
                first,
                max(1, threads),
            )
            done += tokens
            advance(len(walks))
        losses.append(round(loss, 2))
    return syn0, losses
