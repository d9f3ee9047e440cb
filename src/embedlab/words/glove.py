"""GloVe (Pennington et al., 2014), embedlab's own: co-occurrence counting in bounded memory and
weighted least squares with AdaGrad, both compiled with numba, following the reference C code
(stanfordnlp/GloVe: cooccur.c, shuffle.c, glove.c) step by step.

Co-occurrences. Within a symmetric window, a pair of vocabulary words `k` positions apart adds
1/k to X[i, j] and to X[j, i]; words outside the vocabulary are dropped before the window is
laid (as cooccur.c does) and a sentence (a line) is never crossed. Memory stays bounded the way
cooccur.c bounds it: word ids are frequency ranks, so pairs of two frequent words, the great
majority of all pairs by Zipf's law, land in a dense upper-triangular block over the
`dense_words` most frequent words (one array add each, no hashing, no sorting); only pairs
involving a rarer word are spilled, one chunk of the corpus at a time, into a scipy sparse
matrix that sums duplicates, and the chunk matrices are added up. Peak memory is the dense
block plus one chunk of spilled pairs plus the distinct rare pairs of the corpus (which
training needs anyway); it does not grow with the corpus length. Counts are summed in float64
throughout, as cooccur.c sums them in double: in float32 a count past 2^21 would no longer
grow by the 1/k of a pair k words apart (its spacing there is 1/4), and the counts of the most
frequent pairs would stall.

Training. The non-zero cells, shuffled once (shuffle.c), are split into one contiguous block
per thread, and the threads update the shared vectors without locks ("Hogwild", as glove.c):
two threads rarely touch the same row at once, and when they do, a lost update costs nothing
measurable. With one thread (used automatically for small problems) a seed gives identical
vectors run after run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numba
import numpy as np
import scipy.sparse as sp

from embedlab.words.corpus import PreparedCorpus

GRAD_CLIP = 100.0  # glove.c's grad_clip_value
SINGLE_THREAD_BELOW = 200_000  # non-zeros: below this, threads cost more than they give


# -- co-occurrence counting ------------------------------------------------------------------
def id_chunks(
    corpus: PreparedCorpus, index: dict[str, int], chunk_tokens: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, sentence ends) for consecutive runs of about `chunk_tokens` tokens of the corpus
    file; out-of-vocabulary tokens are left out, so the window spans only vocabulary words."""
    get = index.get
    ids: list[int] = []
    ends: list[int] = []
    with corpus.path.open(encoding="utf-8") as fh:
        for line in fh:
            ids.extend([i for i in map(get, line.split()) if i is not None])
            ends.append(len(ids))
            if len(ids) >= chunk_tokens:
                yield np.asarray(ids, dtype=np.int32), np.asarray(ends, dtype=np.int64)
                ids, ends = [], []
    if ids:
        yield np.asarray(ids, dtype=np.int32), np.asarray(ends, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _count_chunk(
    ids: np.ndarray,
    ends: np.ndarray,
    window: int,
    distance_weighting: bool,
    dense: np.ndarray,
    spill_rows: np.ndarray,
    spill_cols: np.ndarray,
    spill_vals: np.ndarray,
) -> int:
    """Add the chunk's pairs (lower id first) to `dense` or to the spill arrays; returns how
    many were spilled."""
    n_dense = dense.shape[0]
    spilled = 0
    start = 0
    for s in range(ends.shape[0]):
        stop = ends[s]
        for j in range(start + 1, stop):
            w2 = ids[j]
            first = max(start, j - window)
            for k in range(first, j):
                w1 = ids[k]
                weight = 1.0 / (j - k) if distance_weighting else 1.0
                a = min(w1, w2)
                b = max(w1, w2)
                if b < n_dense:  # both words frequent: the dense block
                    dense[a, b] += weight
                else:
                    spill_rows[spilled] = a
                    spill_cols[spilled] = b
                    spill_vals[spilled] = weight
                    spilled += 1
        start = stop
    return spilled


def count_cooccurrences(
    chunks: Iterator[tuple[np.ndarray, np.ndarray]],
    n_words: int,
    *,
    window: int,
    distance_weighting: bool = True,
    dense_words: int = 4096,
    on_chunk: Callable[[int], None] | None = None,
) -> sp.coo_matrix:
    """The symmetric co-occurrence matrix X (n_words x n_words, float64) of the id chunks.
    The dense block takes dense_words^2 x 8 bytes (128 MiB at the default 4096); each spilled
    pair 16 bytes (two int32 ids and a float64 weight)."""
    n_dense = min(dense_words, n_words)
    dense = np.zeros((n_dense, n_dense), dtype=np.float64)
    rare = sp.csr_matrix((n_words, n_words), dtype=np.float64)
    for ids, ends in chunks:
        capacity = len(ids) * window
        rows = np.empty(capacity, dtype=np.int32)
        cols = np.empty(capacity, dtype=np.int32)
        vals = np.empty(capacity, dtype=np.float64)
        n = _count_chunk(ids, ends, window, distance_weighting, dense, rows, cols, vals)
        if n:
            chunk = sp.coo_matrix((vals[:n], (rows[:n], cols[:n])), shape=(n_words, n_words))
            rare = rare + chunk.tocsr()  # tocsr sums the duplicates of the chunk
        del rows, cols, vals
        if on_chunk is not None:
            on_chunk(len(ids))
    upper = rare.tocoo()
    dense_rows, dense_cols = np.nonzero(dense)
    rows = np.concatenate([upper.row.astype(np.int32), dense_rows.astype(np.int32)])
    cols = np.concatenate([upper.col.astype(np.int32), dense_cols.astype(np.int32)])
    vals = np.concatenate([upper.data, dense[dense_rows, dense_cols]])
    return _symmetric(rows, cols, vals, n_words)


def _symmetric(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> sp.coo_matrix:
    """From upper-triangular counts to X: X[i, j] = X[j, i] for i != j; a word next to itself
    was added to (i, i) twice by the reference (once per direction), so the diagonal doubles."""
    off = rows != cols
    all_rows = np.concatenate([rows, cols[off]])
    all_cols = np.concatenate([cols, rows[off]])
    all_vals = np.concatenate([np.where(off, vals, 2 * vals), vals[off]])
    return sp.coo_matrix((all_vals, (all_rows, all_cols)), shape=(n, n))


# -- training --------------------------------------------------------------------------------
@numba.njit(cache=True)
def _shuffle(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, seed: int) -> None:
    """Fisher-Yates on the three arrays together, in place (no permutation array: at 40M
    cells that would be another 320 MB)."""
    np.random.seed(seed)
    for i in range(rows.shape[0] - 1, 0, -1):
        j = np.random.randint(0, i + 1)
        rows[i], rows[j] = rows[j], rows[i]
        cols[i], cols[j] = cols[j], cols[i]
        vals[i], vals[j] = vals[j], vals[i]


# fastmath without 'nnan' and 'ninf': the finiteness checks below must not be compiled away
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(parallel=True, fastmath=FASTMATH, cache=True)
def _epoch(
    rows: np.ndarray,
    cols: np.ndarray,
    log_vals: np.ndarray,
    weights: np.ndarray,
    W: np.ndarray,
    C: np.ndarray,
    bw: np.ndarray,
    bc: np.ndarray,
    gW: np.ndarray,
    gC: np.ndarray,
    gbw: np.ndarray,
    gbc: np.ndarray,
    eta: float,
    n_blocks: int,
) -> float:
    """One pass of AdaGrad over all cells (glove.c's glove_thread, one block per thread).
    Returns the summed weighted squared error J = sum f(X) (w.c + b + b~ - log X)^2 / 2.
    As glove.c guards against divergence: a cell whose error is not finite is skipped, the
    vector updates of a cell are dropped when either sums to NaN or infinity (the AdaGrad sums
    still grow), and so is a bias update that is not finite (check_nan)."""
    n = rows.shape[0]
    dim = W.shape[1]
    costs = np.zeros(n_blocks)
    for t in numba.prange(n_blocks):
        cost = 0.0
        update_w = np.empty(dim, dtype=W.dtype)
        update_c = np.empty(dim, dtype=C.dtype)
        for e in range(n * t // n_blocks, n * (t + 1) // n_blocks):
            i = rows[e]
            j = cols[e]
            diff = bw[i] + bc[j] - log_vals[e]
            for d in range(dim):
                diff += W[i, d] * C[j, d]
            fdiff = weights[e] * diff  # f(X) = min(1, (X / x_max) ** alpha), precomputed
            if not (np.isfinite(diff) and np.isfinite(fdiff)):
                continue
            cost += 0.5 * fdiff * diff
            sum_w = 0.0
            sum_c = 0.0
            for d in range(dim):
                # as glove.c: clip the gradient, then scale by the learning rate
                g1 = min(max(fdiff * C[j, d], -GRAD_CLIP), GRAD_CLIP) * eta
                g2 = min(max(fdiff * W[i, d], -GRAD_CLIP), GRAD_CLIP) * eta
                update_w[d] = g1 / np.sqrt(gW[i, d])
                update_c[d] = g2 / np.sqrt(gC[j, d])
                sum_w += update_w[d]
                sum_c += update_c[d]
                gW[i, d] += g1 * g1
                gC[j, d] += g2 * g2
            if np.isfinite(sum_w) and np.isfinite(sum_c):
                for d in range(dim):
                    W[i, d] -= update_w[d]
                    C[j, d] -= update_c[d]
            # glove.c updates the biases with the unscaled gradient (no learning rate)
            step_w = fdiff / np.sqrt(gbw[i])
            step_c = fdiff / np.sqrt(gbc[j])
            if np.isfinite(step_w):
                bw[i] -= step_w
            if np.isfinite(step_c):
                bc[j] -= step_c
            gbw[i] += fdiff * fdiff
            gbc[j] += fdiff * fdiff
        costs[t] = cost
    return costs.sum()


def train_glove(
    X: sp.coo_matrix,
    *,
    dim: int,
    epochs: int,
    x_max: float = 100.0,
    alpha: float = 0.75,
    learning_rate: float = 0.05,
    seed: int = 0,
    threads: int = 1,
    on_epoch: Callable[[int, float], None] | None = None,
    copy: bool = True,
) -> tuple[np.ndarray, list[float]]:
    """Word vectors W + W~ (glove.c's -model 2) and the mean cost of each epoch. With
    `copy=False` the cells of a float64 X are shuffled in place (saves 16 bytes per cell).
    Training itself runs on float32 log counts and weights."""
    n_words = X.shape[0]
    take = np.array if copy else np.ascontiguousarray
    rows = take(X.row, dtype=np.int32)
    cols = take(X.col, dtype=np.int32)
    vals = take(X.data, dtype=np.float64)
    _shuffle(rows, cols, vals, seed)
    log_vals = np.log(vals).astype(np.float32)
    weights = np.minimum(1.0, (vals / x_max) ** alpha).astype(np.float32)
    del vals
    rng = np.random.default_rng(seed)
    # glove.c initialises every parameter uniformly in [-0.5, 0.5) / dim, AdaGrad sums at 1.
    W = ((rng.random((n_words, dim)) - 0.5) / dim).astype(np.float32)
    C = ((rng.random((n_words, dim)) - 0.5) / dim).astype(np.float32)
    bw = ((rng.random(n_words) - 0.5) / dim).astype(np.float32)
    bc = ((rng.random(n_words) - 0.5) / dim).astype(np.float32)
    gW, gC = np.ones_like(W), np.ones_like(C)
    gbw, gbc = np.ones_like(bw), np.ones_like(bc)
    n_blocks = 1 if len(rows) < SINGLE_THREAD_BELOW else max(1, threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(min(n_blocks, numba.config.NUMBA_NUM_THREADS))
    losses = []
    try:
        for epoch in range(epochs):
            cost = _epoch(
                rows,
                cols,
                log_vals,
                weights,
                W,
                C,
                bw,
                bc,
                gW,
                gC,
                gbw,
                gbc,
                np.float32(learning_rate),
                n_blocks,
            )
            losses.append(float(cost) / max(1, len(rows)))
            if on_epoch is not None:
                on_epoch(epoch, losses[-1])
    finally:
        numba.set_num_threads(previous)
    return np.ascontiguousarray(W + C, dtype=np.float32), losses
