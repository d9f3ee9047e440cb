"""Link prediction: hide a share of a graph's edges, embed the rest, and ask how well the
vectors tell the hidden edges from node pairs that are not edges (ROC AUC).

The held-out edges are drawn (seeded) from outside a random spanning forest, so the training
graph keeps every connected component whole where the graph allows it. Each held-out edge is
scored against one sampled non-edge, two ways: the cosine of the two nodes' vectors (no
training) and a logistic regression on the Hadamard (element-wise) product of the two vectors,
trained on as many other edges and non-edges.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numba
import numpy as np

from embedlab.analysis.blas import one_blas_thread
from embedlab.errors import InvalidInputError

#: Below this many held-out edges an ROC AUC is noise: refused, not reported.
MIN_HELD_OUT = 5
TRAIN_PAIRS_PER_TEST = 4  # training pairs of the Hadamard classifier per held-out edge
MAX_TRAIN_PAIRS = 200_000


@dataclass
class EdgeSplit:
    """Which edges train, which are held out, and the non-edges each part is scored against."""

    train: np.ndarray  # bool mask over the edge table
    test_pairs: np.ndarray  # (2m, 2) held-out edges, then as many non-edges
    test_truth: np.ndarray  # 1 for an edge, 0 for a non-edge
    train_pairs: np.ndarray  # training edges and non-edges for the Hadamard classifier
    train_truth: np.ndarray
    requested: int  # edges the fraction asked for (fewer are held out when only fewer lie
    # outside the spanning forest: the training graph keeps its components whole)

    @property
    def n_test_edges(self) -> int:
        return int(self.test_truth.sum())


@dataclass
class LinkResult:
    """ROC AUC of one set of vectors on the held-out edges."""

    name: str
    dim: int
    n_test_edges: int
    cosine_auc: float
    hadamard_auc: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@numba.njit(cache=True)
def _spanning_forest(source: np.ndarray, target: np.ndarray, order: np.ndarray, n: int) -> Any:
    """Kruskal with union-find over the edges in `order`: True for the forest's edges."""
    parent = np.arange(n)
    in_forest = np.zeros(len(source), dtype=np.bool_)
    for edge in order:
        a, b = source[edge], target[edge]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[a] = b
            in_forest[edge] = True
    return in_forest


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int, directed: bool) -> np.ndarray:
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    return a.astype(np.int64) * n + b


def sample_non_edges(
    source: np.ndarray,
    target: np.ndarray,
    n_nodes: int,
    count: int,
    rng: np.random.Generator,
    directed: bool = False,
) -> np.ndarray:
    """`count` distinct node pairs (no self-pairs) that are not edges, as a (count, 2) array."""
    possible = n_nodes * (n_nodes - 1) // (1 if directed else 2)
    existing = np.unique(_pair_keys(source, target, n_nodes, directed))
    if possible - len(existing) < count:
        raise InvalidInputError(
            f"The graph has too few non-edges to sample {count:,}: {n_nodes:,} nodes, "
            f"{len(existing):,} of {possible:,} possible edges present."
        )
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < count:
        need = 2 * (count - len(chosen)) + 16
        a, b = rng.integers(0, n_nodes, need), rng.integers(0, n_nodes, need)
        keys = _pair_keys(a, b, n_nodes, directed)[a != b]
        keys = keys[~np.isin(keys, existing)]
        keys = keys[~np.isin(keys, chosen)]
        _, first = np.unique(keys, return_index=True)
        chosen = np.concatenate([chosen, keys[np.sort(first)]])
    chosen = chosen[:count]
    return np.column_stack([chosen // n_nodes, chosen % n_nodes])


def split_edges(
    source: np.ndarray,
    target: np.ndarray,
    n_nodes: int,
    *,
    fraction: float = 0.1,
    seed: int = 0,
    directed: bool = False,
) -> EdgeSplit:
    """Hold out `fraction` of the edges (never a spanning-forest edge or a self-loop)."""
    if not 0 < fraction < 1:
        raise InvalidInputError(f"The held-out fraction must be in (0, 1). Got {fraction!r}.")
    rng = np.random.default_rng(seed)
    source, target = np.asarray(source, np.int64), np.asarray(target, np.int64)
    forest = _spanning_forest(source, target, rng.permutation(len(source)), n_nodes)
    candidates = np.flatnonzero(~forest & (source != target))
    requested = max(1, int(round(fraction * len(source))))
    if len(candidates) == 0:
        raise InvalidInputError(
            f"No edge can be held out without cutting the graph apart: its {len(source):,} "
            "edges form a forest. Link prediction needs a graph with cycles."
        )
    if min(requested, len(candidates)) < MIN_HELD_OUT:
        raise InvalidInputError(_too_few_held_out(len(source), fraction, requested, candidates))
    held = np.sort(rng.choice(candidates, size=min(requested, len(candidates)), replace=False))
    train = np.ones(len(source), dtype=bool)
    train[held] = False
    n_test = len(held)
    train_edges = np.flatnonzero(train & (source != target))
    n_train = min(len(train_edges), TRAIN_PAIRS_PER_TEST * n_test, MAX_TRAIN_PAIRS)
    non_edges = sample_non_edges(source, target, n_nodes, n_test + n_train, rng, directed)
    positives = rng.choice(train_edges, size=n_train, replace=False)
    return EdgeSplit(
        train=train,
        test_pairs=np.vstack([np.column_stack([source[held], target[held]]), non_edges[:n_test]]),
        test_truth=np.repeat([1, 0], n_test),
        train_pairs=np.vstack(
            [np.column_stack([source[positives], target[positives]]), non_edges[n_test:]]
        ),
        train_truth=np.repeat([1, 0], n_train),
        requested=requested,
    )


def _too_few_held_out(n_edges: int, fraction: float, requested: int, candidates: np.ndarray) -> str:
    """Why a split would score too few held-out edges to mean anything."""
    if requested < MIN_HELD_OUT:
        smallest = math.ceil((MIN_HELD_OUT - 0.5) / fraction)
        why = f"{fraction * 100:g}% of its {n_edges:,} edges is {requested}"
        fix = f"it takes a graph of at least {smallest:,} edges, with cycles"
    else:
        why = f"only {len(candidates)} of its {n_edges:,} edges can go without cutting it apart"
        fix = "use a graph with more cycles"
    return (
        f"Link prediction needs at least {MIN_HELD_OUT} held-out edges (an ROC AUC of m held-out "
        f"pairs moves in steps of 1/m^2 and says little), but {why}; {fix}."
    )


def score_links(name: str, vectors: np.ndarray, split: EdgeSplit, seed: int = 0) -> LinkResult:
    """Cosine and Hadamard-product (logistic regression) ROC AUC on the held-out pairs."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    started = time.perf_counter()
    data = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    unit = data / np.where(norms > 0, norms, 1.0)
    a, b = split.test_pairs[:, 0], split.test_pairs[:, 1]
    cosine = roc_auc_score(split.test_truth, np.einsum("ij,ij->i", unit[a], unit[b]))
    train_features = data[split.train_pairs[:, 0]] * data[split.train_pairs[:, 1]]
    scaler = StandardScaler().fit(train_features)
    model = LogisticRegression(max_iter=1000, random_state=seed)
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")
        model.fit(scaler.transform(train_features), split.train_truth)
    scores = model.predict_proba(scaler.transform(data[a] * data[b]))[:, 1]
    hadamard = roc_auc_score(split.test_truth, scores)
    return LinkResult(
        name,
        int(data.shape[1]),
        split.n_test_edges,
        round(float(cosine), 4),
        round(float(hadamard), 4),
        round(time.perf_counter() - started, 2),
    )
