"""`recommend` and `evaluate --recommend`: top-k items for a user from a collaborative space, and
how well each space's method ranks held-out interactions against the popularity baseline.

Recommendations leave out what the user has seen and explain each pick with the seen items
nearest to it in the item space (cosine). Evaluation never scores a model that saw the test
interactions: each space's method is fitted again, with the space's own parameters, on the
training interactions only.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from embedlab import methods, progress
from embedlab.analysis.recommend import (
    RankingMetrics,
    best_columns,
    popularity_vectors,
    ranking_metrics,
    split_interactions,
    top_k,
)
from embedlab.checks import check_seed
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.items import ids_like
from embedlab.methods.base import l2_normalize
from embedlab.methods.collaborative import CollaborativeEmbedder
from embedlab.pipeline.interactions import Interactions, read_stored, users_name
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace

POPULARITY = "popularity (baseline)"


@dataclass
class SeenItem:
    id: str
    row: int  # in the items dataset (the map's row)
    text: str | None
    value: float  # the rating (or count) the user gave it
    similarity: float | None = None  # to the pick it explains


@dataclass
class Pick:
    rank: int
    id: str
    row: int
    text: str | None
    label: str | None
    score: float
    because: list[SeenItem]


@dataclass
class Recommendations:
    dataset: str
    space: str
    user: str
    picks: list[Pick]
    history: list[SeenItem] = field(default_factory=list)  # every seen item, best rated first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _user_row(users: Dataset, user: str) -> int:
    ids = users.ids()
    try:
        return ids.index(str(user))
    except ValueError:
        # 'U1', ' u1' or '1' found no hint for 'u1' or '001'
        close = ids_like(str(user), ids) or difflib.get_close_matches(str(user), ids, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(
            f"No user {str(user)!r} in dataset '{users.name}' ({len(ids):,} users, e.g. "
            f"{', '.join(repr(i) for i in ids[:3])}).{hint}"
        ) from None


def _payload(dataset: Dataset, column: str | None) -> list[Any]:
    return dataset.column(column) if column else [None] * len(dataset)


def collaborative_spaces(workspace: Workspace, dataset: Dataset, space: str) -> tuple[Space, Space]:
    """The item space `space` of `dataset` and the user space of the same name (one fit)."""
    items = workspace.space(dataset, space)
    if not issubclass(methods.get(items.method), CollaborativeEmbedder):
        raise InvalidInputError(
            f"Space '{space}' was made by '{items.method}', which learns no user vectors; "
            f"recommend from a collaborative space: `embedlab embed {dataset.name} --method als` "
            "(or bpr, svd)."
        )
    return items, workspace.space(users_name(dataset.name), space)


def recommend(
    workspace: Workspace, name: str, space: str, user: str, *, k: int = 10, explain: int = 3
) -> Recommendations:
    """The k items with the highest score for `user` among those they have not seen, each with
    the `explain` seen items most similar to it."""
    if not isinstance(k, int) or k < 1 or not isinstance(explain, int) or explain < 0:
        raise InvalidInputError(f"k must be an int >= 1 and explain >= 0; got {k}, {explain}.")
    dataset = workspace.dataset(name)
    stored = read_stored(workspace, dataset)
    item_space, user_space = collaborative_spaces(workspace, dataset, space)
    row = _user_row(user_space.source, user)
    mine = stored.user_rows == row
    seen, values = stored.item_rows[mine], stored.values[mine]
    item_vectors = item_space.vectors()
    scores = item_vectors @ user_space.vectors()[row]
    scores[seen] = -np.inf
    k = min(k, len(dataset) - len(seen))
    if k < 1:
        return Recommendations(name, space, str(user), [], _history(dataset, seen, values))
    picks = best_columns(scores[None, :], k)[0]
    ids, texts = dataset.ids(), _payload(dataset, dataset.text_column)
    labels = _payload(dataset, dataset.label_column)
    because = _nearest_seen(item_vectors, picks, seen, explain)
    out = [
        Pick(
            rank=rank + 1,
            id=ids[item],
            row=int(item),
            text=texts[item],
            label=None if labels[item] is None else str(labels[item]),
            score=round(float(scores[item]), 4),
            because=[
                SeenItem(
                    ids[seen[j]], int(seen[j]), texts[seen[j]], float(values[j]), round(float(s), 4)
                )
                for j, s in because[rank]
            ],
        )
        for rank, item in enumerate(picks)
    ]
    return Recommendations(name, space, str(user), out, _history(dataset, seen, values))


def _nearest_seen(
    vectors: np.ndarray, picks: np.ndarray, seen: np.ndarray, n: int
) -> list[list[tuple[int, float]]]:
    """For each pick, (position in `seen`, cosine) of its n most similar seen items."""
    if n == 0 or len(seen) == 0:
        return [[] for _ in picks]
    unit = l2_normalize(vectors)
    similarity = unit[picks] @ unit[seen].T
    order = best_columns(similarity, min(n, len(seen)))
    return [[(int(j), float(similarity[p, j])) for j in order[p]] for p in range(len(picks))]


def _history(dataset: Dataset, seen: np.ndarray, values: np.ndarray) -> list[SeenItem]:
    ids, texts = dataset.ids(), _payload(dataset, dataset.text_column)
    order = np.argsort(-values, kind="stable")
    return [SeenItem(ids[seen[j]], int(seen[j]), texts[seen[j]], float(values[j])) for j in order]


# -- evaluation ----------------------------------------------------------------------------------
@dataclass
class RecommendEvaluation:
    dataset: str
    split: str
    n_train: int
    n_test: int
    k: int
    results: list[RankingMetrics]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "k": self.k,
            "results": [r.to_dict() for r in self.results],
        }


def _chosen_spaces(workspace: Workspace, dataset: Dataset, spaces: list[str] | None) -> list[Space]:
    names = spaces if spaces is not None else workspace.space_names(dataset.name)
    chosen = [workspace.space(dataset, s) for s in names]
    chosen = [s for s in chosen if spaces is not None or _is_collaborative(s)]
    for space in chosen:
        if not _is_collaborative(space):
            raise InvalidInputError(
                f"Space '{space.name}' was made by '{space.method}', not from the interactions; "
                "evaluate --recommend refits a collaborative method (als, bpr, svd)."
            )
    if not chosen and spaces is None:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' has no collaborative space yet: `embedlab embed "
            f"{dataset.name} --method als` (or bpr, svd)."
        )
    return chosen


def _is_collaborative(space: Space) -> bool:
    return issubclass(methods.get(space.method), CollaborativeEmbedder)


def score_split(
    name: str, estimator: CollaborativeEmbedder, stored: Interactions, train: np.ndarray, k: int
) -> RankingMetrics:
    """Fit on the training interactions, rank unseen items for users with held-out ones."""
    started = time.perf_counter()
    train_input = stored.to_input(keep=train)
    estimator.fit(train_input)
    return _rank(name, estimator.user_vectors_, estimator.item_vectors_, stored, train, k, started)


def _rank(
    name: str,
    users: np.ndarray,
    items: np.ndarray,
    stored: Interactions,
    train: np.ndarray,
    k: int,
    started: float,
) -> RankingMetrics:
    seen = stored.to_input(keep=train).to_scipy("binary")
    held = stored.to_input(keep=~train).to_scipy("binary")
    evaluated = np.flatnonzero(np.diff(held.indptr) > 0)
    picks = top_k(users, items, seen, k, users=evaluated)
    result = ranking_metrics(name, picks, held[evaluated], stored.n_items)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def evaluate_recommendations(
    workspace: Workspace,
    name: str,
    spaces: list[str] | None = None,
    *,
    k: int = 10,
    fraction: float = 0.2,
    seed: int = 0,
) -> RecommendEvaluation:
    """Precision/recall/NDCG@k and coverage of each collaborative space's method refitted on the
    training split, and of popularity, on the same split. Recorded in the manifest."""
    seed = check_seed(seed, "evaluate")
    if not isinstance(k, int) or k < 1:
        raise InvalidInputError(f"k must be an int >= 1; got {k!r}.")
    dataset = workspace.dataset(name)
    stored = read_stored(workspace, dataset)
    if k >= stored.n_items:  # the lists were cut to the catalogue, the figures still "@k"
        raise InvalidInputError(
            f"-k {k} is not below the {stored.n_items:,} items of '{name}': every list would "
            f"hold the whole catalogue. Expected -k in [1, {stored.n_items - 1:,}]."
        )
    chosen = _chosen_spaces(workspace, dataset, spaces)
    split = split_interactions(stored.user_rows, stored.timestamps, fraction=fraction, seed=seed)
    if split.n_test == 0:
        raise InvalidInputError(
            f"No user of '{name}' has two or more interactions ({stored.n_users:,} users, "
            f"{len(stored.user_rows):,} interactions): a user's only interaction stays in "
            "training, so nothing is held out. evaluate --recommend needs users with at least "
            "2 interactions."
        )
    results = []
    with progress.task(f"Evaluating recommendations on '{name}'", total=len(chosen) + 1) as bar:
        for space in chosen:
            estimator = methods.get(space.method).from_params(space.params)
            assert isinstance(estimator, CollaborativeEmbedder)
            results.append(score_split(space.name, estimator, stored, split.train, k))
            bar.advance(1)
        started = time.perf_counter()
        users, items = popularity_vectors(stored.to_input(keep=split.train).to_scipy("binary"))
        results.append(_rank(POPULARITY, users, items, stored, split.train, k, started))
        bar.advance(1)
    report = RecommendEvaluation(name, split.rule, int(split.train.sum()), split.n_test, k, results)
    run = RunRecord(
        kind="evaluate",
        dataset=name,
        method="recommend",
        params={"spaces": [s.name for s in chosen], "k": k, "fraction": fraction},
        seed=seed,
    )
    run.report = report.to_dict()
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
    return report
