"""Region names of a map: clusters of the 2-D points at two levels, named from their items."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.map_labels import ctfidf_terms, label_map
from embedlab.errors import InvalidInputError

TOPICS = {"pasta": "tomato basil garlic", "orbit": "rocket planet launch", "goal": "striker match"}


def planted(n_per: int = 300, seed: int = 0) -> tuple[np.ndarray, list[str], list[str]]:
    """Three far-apart blobs, each with its own words mixed into shared filler."""
    rng = np.random.default_rng(seed)
    coords, texts, labels = [], [], []
    for i, (topic, words) in enumerate(TOPICS.items()):
        coords.append(rng.normal(size=(n_per, 2)) + [20.0 * i, 0.0])
        vocab = words.split()
        for j in range(n_per):
            texts.append(f"the {rng.choice(vocab)} {rng.choice(vocab)} today and {j} people")
            labels.append(topic if j % 10 else "other")
    return np.concatenate(coords), texts, labels


def test_texts_are_named_by_their_own_terms() -> None:
    coords, texts, _ = planted()
    result = label_map(coords, ids=[str(i) for i in range(900)], texts=texts, n_fine=6, n_coarse=3)
    assert result.source == "texts"
    coarse = [label for label in result.labels if label.level == "coarse"]
    assert len(coarse) == 3 and sorted(label.size for label in coarse) == [300, 300, 300]
    for label in coarse:
        topic = next(t for t, words in TOPICS.items() if label.terms[0] in words.split())
        own = TOPICS[topic].split()  # its own words first, before any filler; no stop word
        assert set(label.terms[: len(own)]) == set(own) and "the" not in label.terms
        assert label.name == ", ".join(label.terms)
    fine = [label for label in result.labels if label.level == "fine"]
    assert len(fine) == 6 and result.fine.max() == 5
    # a fine cluster lies inside one coarse cluster
    for c in range(6):
        assert len(set(result.coarse[result.fine == c])) == 1


def test_labels_words_and_ids_name_clusters() -> None:
    coords, _, labels = planted()
    ids = [f"w{i}" for i in range(900)]
    by_label = label_map(coords, ids=ids, labels=labels, n_fine=3, n_coarse=3)
    names = sorted(label.name for label in by_label.labels if label.level == "coarse")
    assert names == ["goal (90%)", "orbit (90%)", "pasta (90%)"]
    words = label_map(coords, ids=ids, words=True, n_fine=3, n_coarse=3)
    first = {label.terms[0] for label in words.labels if label.level == "coarse"}
    assert first == {"w0", "w300", "w600"}  # the most frequent (first) word of each region
    by_id = label_map(coords, ids=ids, n_fine=3, n_coarse=3)
    assert by_id.source == "ids" and all(len(label.terms) == 3 for label in by_id.labels)


def test_ctfidf_samples_are_seeded_and_terms_only_words() -> None:
    members = np.repeat([0, 1], 1_000)
    texts = ["alpha beta 123"] * 1_000 + ["gamma delta x"] * 1_000
    assert ctfidf_terms(texts, members, 2, seed=1) == [["alpha", "beta"], ["delta", "gamma"]]
    assert ctfidf_terms(["1 2", "3"], np.array([0, 1]), 2) == [[], []]


def test_bad_cluster_counts_are_refused() -> None:
    coords = np.zeros((10, 2))
    with pytest.raises(InvalidInputError, match="2 <= coarse <= fine <= items"):
        label_map(coords, ids=list("abcdefghij"), n_fine=20, n_coarse=3)
    with pytest.raises(InvalidInputError, match="one value per point"):
        label_map(coords, ids=["a"], n_fine=3, n_coarse=2)
