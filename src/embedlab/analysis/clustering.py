"""Clusters of a space (k-means on unit vectors, i.e. by cosine) and how two spaces of the same
items agree (the overlap of each item's neighbour sets)."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.neighbors import NeighborGraph, count_shared, normalize_rows
from embedlab.analysis.results import CheckResult
from embedlab.errors import InvalidInputError


def default_cluster_count(n_items: int) -> int:
    """Enough clusters to colour a map legibly: about sqrt(n / 10), between 2 and 30."""
    return int(np.clip(round(np.sqrt(n_items / 10)), 2, 30))


def cluster_vectors(
    vectors: np.ndarray, *, n_clusters: int | None = None, seed: int = 0
) -> np.ndarray:
    """Cluster number of each row (0 = the largest cluster), by mini-batch k-means on unit
    vectors so that clusters follow cosine similarity like every other embedlab analysis."""
    from sklearn.cluster import MiniBatchKMeans

    n_items = len(vectors)
    n_clusters = default_cluster_count(n_items) if n_clusters is None else n_clusters
    if not isinstance(n_clusters, int) or n_clusters < 2 or n_clusters > n_items:
        raise InvalidInputError(
            f"The 'n_clusters' parameter must be an int in [2, {n_items}] (the number of "
            f"items). Got {n_clusters!r} instead."
        )
    unit = normalize_rows(vectors, "vectors to cluster")
    model = MiniBatchKMeans(
        n_clusters=n_clusters, random_state=seed, n_init=3, batch_size=4096, max_iter=100
    )
    raw = model.fit_predict(unit)
    sizes = np.bincount(raw, minlength=n_clusters)
    if (sizes == 0).any():  # mini-batches left clusters empty: fewer came out than asked for
        from sklearn.cluster import KMeans  # relocates an emptied centre to a far point

        distinct = len(np.unique(unit, axis=0))
        if distinct < n_clusters:
            raise InvalidInputError(
                f"The 'n_clusters' parameter asks for {n_clusters} clusters, but the "
                f"{n_items} items have only {distinct} distinct directions; expected at most "
                f"{distinct}."
            )
        raw = KMeans(n_clusters=n_clusters, random_state=seed, n_init=3).fit_predict(unit)
        sizes = np.bincount(raw, minlength=n_clusters)
    rename = np.empty(n_clusters, dtype=np.int32)
    rename[np.argsort(-sizes, kind="stable")] = np.arange(n_clusters, dtype=np.int32)
    return rename[raw]


def neighbour_agreement(first: NeighborGraph, second: NeighborGraph, k: int = 10) -> CheckResult:
    """Per item, the share of its k nearest neighbours two spaces have in common (Jaccard):
    low where the spaces disagree on what lies together. Flags items with no neighbour shared."""
    if first.indices.shape[0] != second.indices.shape[0]:
        raise InvalidInputError(
            f"Both spaces must hold the same items. Got {first.indices.shape[0]} and "
            f"{second.indices.shape[0]} rows instead."
        )
    k = min(k, first.k, second.k)
    shared = count_shared(first.indices[:, :k], second.indices[:, :k])
    jaccard = shared / (2 * k - shared)
    flags = shared == 0
    return CheckResult(
        name="neighbour_agreement",
        scores=jaccard.astype(np.float64),
        flags=flags,
        summary={
            "mean_jaccard": round(float(jaccard.mean()), 6),
            "no_shared_neighbour": int(flags.sum()),
        },
        params={"k": k},
    )


def most_changed(
    first: NeighborGraph, second: NeighborGraph, k: int = 10, limit: int = 50
) -> list[dict[str, object]]:
    """The `limit` rows whose k neighbours differ most between two graphs of the same items
    (lowest Jaccard first, then by row), each with the neighbours it gained in `second` and
    lost from `first`, nearest first."""
    agreement = neighbour_agreement(first, second, k=k)
    k = int(agreement.params["k"])
    order = np.lexsort((np.arange(len(agreement.scores)), agreement.scores))[:limit]
    changes = []
    for row in order.tolist():
        before = first.indices[row, :k].tolist()
        after = second.indices[row, :k].tolist()
        kept = set(before) & set(after)
        changes.append(
            {
                "row": row,
                "jaccard": float(agreement.scores[row]),
                "gained": [r for r in after if r not in kept],
                "lost": [r for r in before if r not in kept],
            }
        )
    return changes
