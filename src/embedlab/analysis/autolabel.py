"""Auto-labelling: spread a few known labels over the neighbour graph (Zhou et al., 2004).

Each item's class scores are repeatedly replaced by the similarity-weighted scores of its
neighbours, pulled back towards the known labels (`alpha` sets how far labels travel). The
result is a label and a confidence (its share of the item's scores) for every item.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from embedlab.analysis.neighbors import NeighborGraph
from embedlab.errors import InvalidInputError


def normalised_graph(graph: NeighborGraph) -> sparse.csr_matrix:
    """Symmetric D^-1/2 W D^-1/2 of the k-NN graph with non-negative cosine weights."""
    n, k = graph.indices.shape
    rows = np.repeat(np.arange(n), k)
    weights = np.clip(graph.similarities.ravel(), 0.0, None).astype(np.float64)
    adjacency = sparse.csr_matrix((weights, (rows, graph.indices.ravel())), shape=(n, n))
    adjacency = (adjacency + adjacency.T) / 2
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    scale = sparse.diags(1.0 / np.sqrt(np.where(degree > 0, degree, 1.0)))
    return (scale @ adjacency @ scale).tocsr()


def spread_labels(
    graph: NeighborGraph,
    codes: np.ndarray,
    n_classes: int,
    *,
    alpha: float = 0.99,
    iterations: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class, confidence) for every item; `codes` is -1 where the label is unknown."""
    if not 0 < alpha < 1:
        raise InvalidInputError(f"alpha must be in (0, 1); got {alpha}.")
    known = codes >= 0
    if known.sum() == 0:
        raise InvalidInputError("Auto-labelling needs at least one known label.")
    seeds = np.zeros((len(codes), n_classes))
    seeds[np.flatnonzero(known), codes[known]] = 1.0
    operator = normalised_graph(graph)
    scores = seeds.copy()
    for _ in range(iterations):
        scores = alpha * (operator @ scores) + (1 - alpha) * seeds
    totals = scores.sum(axis=1)
    confidence = np.where(totals > 0, scores.max(axis=1) / np.where(totals > 0, totals, 1), 0.0)
    return scores.argmax(axis=1), confidence


def sample_known(codes: np.ndarray, known: int, seed: int = 0) -> np.ndarray:
    """Rows whose labels stay known: `known` in total, spread evenly over the classes."""
    rng = np.random.default_rng(seed)
    classes = np.unique(codes[codes >= 0])
    if known < len(classes):
        raise InvalidInputError(
            f"--known {known} is fewer than the {len(classes)} classes: every class needs at "
            "least one known label."
        )
    per_class = known // len(classes)
    chosen = [
        rng.choice(
            np.flatnonzero(codes == c), size=min(per_class, int((codes == c).sum())), replace=False
        )
        for c in classes
    ]
    return np.sort(np.concatenate(chosen))
