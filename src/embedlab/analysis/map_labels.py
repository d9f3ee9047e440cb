"""Names for the regions of a map, at two zoom levels: the map's points are clustered on their
2-D coordinates (fine clusters by mini-batch k-means; coarse ones by grouping the fine
centroids, weighted by size), and each cluster is named offline from its items:
- texts: the top c-TF-IDF terms (BERTopic's class-based TF-IDF) of a seeded sample of its texts;
- labelled items: the dominant label and its share;
- word spaces: the words themselves (the most frequent members first);
- otherwise the ids of the items nearest its centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from embedlab.errors import InvalidInputError

NameSource = Literal["texts", "labels", "words", "ids"]
TEXTS_PER_CLUSTER = 400  # a seeded sample per fine cluster is enough to name it
TERMS = 3
FIT_SAMPLE = 50_000


@dataclass
class ClusterLabel:
    level: Literal["coarse", "fine"]
    cluster: int
    x: float
    y: float
    size: int
    name: str
    terms: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return vars(self).copy()


@dataclass
class MapLabels:
    source: NameSource
    fine: np.ndarray  # int32 fine cluster per item
    coarse: np.ndarray  # int32 coarse cluster per item
    labels: list[ClusterLabel]


def map_clusters(
    coords: np.ndarray, n_fine: int, n_coarse: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Fine and coarse cluster numbers of each point (0 = the largest), from its 2-D position."""
    from sklearn.cluster import KMeans

    # fitted on a seeded sample, then every point goes to its nearest centre: 2-D centres of a
    # million points are as well placed from 50,000 of them, at a fraction of the time
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(coords), min(len(coords), FIT_SAMPLE), replace=False)
    fine_model = KMeans(n_clusters=n_fine, random_state=seed, n_init=2).fit(coords[sample])
    fine = _by_size(fine_model.predict(coords), n_fine)
    centres, sizes = _centres(coords, fine, n_fine)
    grouped = KMeans(n_clusters=n_coarse, random_state=seed, n_init=4)
    of_fine = grouped.fit_predict(centres, sample_weight=sizes)
    coarse_sizes = np.bincount(of_fine, weights=sizes, minlength=n_coarse)
    rename = np.empty(n_coarse, dtype=np.int32)
    rename[np.argsort(-coarse_sizes, kind="stable")] = np.arange(n_coarse, dtype=np.int32)
    return fine, rename[of_fine][fine]


def _centres(coords: np.ndarray, members: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean position and size of each cluster."""
    sizes = np.bincount(members, minlength=count)
    sums = np.stack([np.bincount(members, coords[:, a], count) for a in (0, 1)], axis=1)
    return sums / np.maximum(sizes, 1)[:, None], sizes


def _by_size(raw: np.ndarray, n: int) -> np.ndarray:
    sizes = np.bincount(raw, minlength=n)
    rename = np.empty(n, dtype=np.int32)
    rename[np.argsort(-sizes, kind="stable")] = np.arange(n, dtype=np.int32)
    return rename[raw]


def label_map(
    coords: np.ndarray,
    *,
    ids: list[str],
    texts: list[str] | None = None,
    labels: list[Any] | None = None,
    words: bool = False,
    n_fine: int = 40,
    n_coarse: int = 10,
    seed: int = 0,
) -> MapLabels:
    """Cluster the map at two levels and name every cluster from its items (see the module)."""
    coords = np.ascontiguousarray(np.asarray(coords, dtype=np.float64)[:, :2])
    n = len(coords)
    if (
        len(ids) != n
        or (texts is not None and len(texts) != n)
        or (labels is not None and len(labels) != n)
    ):
        raise InvalidInputError(f"Ids, texts and labels must give one value per point ({n}).")
    if not 2 <= n_coarse <= n_fine or n_fine > n:
        raise InvalidInputError(
            f"Cluster counts must satisfy 2 <= coarse <= fine <= items ({n}). "
            f"Got coarse {n_coarse}, fine {n_fine} instead."
        )
    fine, coarse = map_clusters(coords, n_fine, n_coarse, seed)
    source: NameSource = (
        "words" if words else "texts" if texts else "labels" if labels is not None else "ids"
    )
    found: list[ClusterLabel] = []
    for level, members in (("coarse", coarse), ("fine", fine)):
        count = int(members.max()) + 1
        names = _names(source, members, count, coords, ids, texts, labels, seed)
        centres, sizes = _centres(coords, members, count)
        for c in range(count):
            name, terms = names[c]
            found.append(
                ClusterLabel(
                    level, c, float(centres[c, 0]), float(centres[c, 1]), int(sizes[c]), name, terms
                )  # fmt: skip
            )
    return MapLabels(source=source, fine=fine, coarse=coarse, labels=found)


def _names(
    source: NameSource,
    members: np.ndarray,
    count: int,
    coords: np.ndarray,
    ids: list[str],
    texts: list[str] | None,
    labels: list[Any] | None,
    seed: int,
) -> list[tuple[str, list[str]]]:
    if source == "texts":
        terms = ctfidf_terms(texts or [], members, count, seed=seed)
        return [(", ".join(t) or "(no terms)", t) for t in terms]
    if source == "labels":
        return dominant_labels(labels or [], members, count)
    order = np.argsort(members, kind="stable")  # rows by cluster, in row order inside
    bounds = np.searchsorted(members[order], np.arange(count + 1))
    named = []
    for c in range(count):
        rows = order[bounds[c] : bounds[c + 1]]
        if source == "ids":  # the items nearest the centre
            centre = coords[rows].mean(axis=0)
            rows = rows[np.argsort(((coords[rows] - centre) ** 2).sum(axis=1))]
        chosen = [str(ids[r]) for r in rows[:TERMS]]  # words: the most frequent (first rows)
        named.append((", ".join(chosen), chosen))
    return named


def dominant_labels(
    labels: list[Any], members: np.ndarray, count: int
) -> list[tuple[str, list[str]]]:
    """Each cluster's most common label and its share: 'shirt (87%)'."""
    values = np.asarray(["" if v is None else str(v) for v in labels])
    categories, codes = np.unique(values, return_inverse=True)
    table = np.zeros((count, len(categories)), dtype=np.int64)
    np.add.at(table, (members, codes), 1)
    best = table.argmax(axis=1)
    share = table[np.arange(count), best] / np.maximum(table.sum(axis=1), 1)
    return [
        (f"{categories[b]} ({s:.0%})", [str(categories[b])])
        for b, s in zip(best, share, strict=True)
    ]


def ctfidf_terms(
    texts: list[str], members: np.ndarray, count: int, *, seed: int = 0, top: int = TERMS
) -> list[list[str]]:
    """The top terms of each cluster by class-based TF-IDF (a cluster's term frequency times
    log(1 + mean words per cluster / the term's frequency over all clusters)), from a seeded
    sample of up to TEXTS_PER_CLUSTER texts per cluster; English stop words and tokens of one
    character are left out."""
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(members))
    rank = np.empty(len(members), dtype=np.int64)  # each row's place in its cluster's sample
    shuffled = members[order]
    sorted_rows = np.argsort(shuffled, kind="stable")
    starts = np.searchsorted(shuffled[sorted_rows], shuffled[sorted_rows], side="left")
    rank[order[sorted_rows]] = np.arange(len(members)) - starts
    sample = np.flatnonzero(rank < TEXTS_PER_CLUSTER)
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
    try:
        counts = vectorizer.fit_transform([texts[i] or "" for i in sample])
    except ValueError:  # no term at all
        return [[] for _ in range(count)]
    from scipy.sparse import csr_matrix

    one_hot = csr_matrix(
        (np.ones(len(sample)), (members[sample], np.arange(len(sample)))),
        shape=(count, len(sample)),
    )
    per_cluster = (one_hot @ counts).toarray().astype(np.float64)
    mean_words = per_cluster.sum() / count
    idf = np.log1p(mean_words / np.maximum(per_cluster.sum(axis=0), 1))
    score = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1) * idf
    vocabulary = vectorizer.get_feature_names_out()
    best = np.argsort(-score, axis=1, kind="stable")[:, :top]
    return [[str(vocabulary[t]) for t in row if score[c, t] > 0] for c, row in enumerate(best)]
