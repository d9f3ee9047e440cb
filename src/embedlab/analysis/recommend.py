"""Top-k recommendation from user and item vectors, the held-out split and ranking metrics.

Scores are dot products of user and item vectors; items a user has seen are left out. The split
holds out, per user, the last interaction by time (leave-last-out) when there are timestamps,
else a seeded 20% of the user's interactions; users with a single interaction stay in training
only. Metrics (binary relevance, averaged over users with held-out items): precision@k,
recall@k (hits over held-out items), NDCG@k, and the catalogue coverage of all top-k lists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError

USER_BLOCK = 4096  # users scored per matrix product (keeps memory flat on large catalogues)


@dataclass
class Split:
    """Which interactions train the model, which are held out, and how they were chosen."""

    train: np.ndarray  # bool per interaction
    test: np.ndarray  # bool per interaction
    rule: str

    @property
    def n_test(self) -> int:
        return int(self.test.sum())


def split_interactions(
    user_rows: np.ndarray,
    timestamps: np.ndarray | None,
    *,
    fraction: float = 0.2,
    seed: int = 0,
) -> Split:
    """Leave-last-out by timestamp (ties: the later row), else a seeded `fraction` per user
    (at least one when a user has two or more interactions)."""
    n = len(user_rows)
    test = np.zeros(n, dtype=bool)
    counts = np.bincount(user_rows)
    if timestamps is not None:
        order = np.lexsort((np.arange(n), timestamps, user_rows))
        users_sorted = user_rows[order]
        last = np.ones(n, dtype=bool)
        last[:-1] = users_sorted[1:] != users_sorted[:-1]
        chosen = order[last]
        test[chosen[counts[user_rows[chosen]] >= 2]] = True
        rule = "leave-last-out by timestamp"
    else:
        if not 0 < fraction < 1:
            raise InvalidInputError(f"The test fraction must lie in (0, 1); got {fraction}.")
        rng = np.random.default_rng(seed)
        order = np.lexsort((rng.random(n), user_rows))  # shuffled within each user
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        position = np.arange(n) - np.repeat(starts, counts)
        per_user = np.where(counts >= 2, np.maximum(1, np.round(counts * fraction)), 0)
        test[order[position < np.repeat(per_user, counts)]] = True
        rule = f"seeded {fraction:.0%} per user (seed {seed})"
    return Split(~test, test, rule)


def top_k(
    user_vectors: np.ndarray,
    item_vectors: np.ndarray,
    seen: Any,
    k: int,
    users: np.ndarray | None = None,
) -> np.ndarray:
    """The k best unseen items of each user (rows of `users`, default all), best first; `seen`
    is the users x items CSR matrix of what each has seen. (n_users, k) int64."""
    chosen = np.arange(user_vectors.shape[0]) if users is None else np.asarray(users)
    k = min(k, item_vectors.shape[0])
    picks = np.empty((len(chosen), k), dtype=np.int64)
    for start in range(0, len(chosen), USER_BLOCK):
        block = chosen[start : start + USER_BLOCK]
        scores = user_vectors[block] @ item_vectors.T
        mask = seen[block].tocoo()
        scores[mask.row, mask.col] = -np.inf
        picks[start : start + len(block)] = best_columns(scores, k)
    return picks


def best_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """The columns of the k largest values of each row, largest first (ties: lower column)."""
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -top), axis=1)
    return np.take_along_axis(part, order, axis=1)


@dataclass
class RankingMetrics:
    """The figures of one recommender on one split."""

    name: str
    precision: float
    recall: float
    ndcg: float
    coverage: float
    k: int
    n_users: int
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ranking_metrics(name: str, picks: np.ndarray, relevant: Any, n_items: int) -> RankingMetrics:
    """Precision, recall and NDCG at k of `picks` (users x k) against `relevant` (the users x
    items CSR matrix of held-out items, same user rows), averaged over users with any held out;
    coverage over those users' lists."""
    k = picks.shape[1]
    held = np.diff(relevant.indptr)
    users = np.flatnonzero(held > 0)
    if len(users) == 0:
        raise InvalidInputError("No user has a held-out interaction: nothing to evaluate.")
    hits = np.asarray(relevant[users[:, None], picks[users]].todense()) > 0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts).sum(axis=1)
    ideal = np.cumsum(discounts)[np.minimum(held[users], k) - 1]
    return RankingMetrics(
        name=name,
        precision=float(hits.sum(axis=1).mean() / k),
        recall=float((hits.sum(axis=1) / held[users]).mean()),
        ndcg=float((dcg / ideal).mean()),
        coverage=float(len(np.unique(picks[users])) / n_items),
        k=k,
        n_users=len(users),
    )


def popularity_vectors(seen: Any) -> tuple[np.ndarray, np.ndarray]:
    """User and item 'vectors' whose dot product ranks items by how many users have seen them
    (the popularity baseline): users are all ones, items their count."""
    counts = np.bincount(seen.indices, minlength=seen.shape[1]).astype(np.float32)
    return np.ones((seen.shape[0], 1), np.float32), counts[:, None]
