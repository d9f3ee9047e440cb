"""WEAT, the gender direction and hard de-biasing against hand-computed values (and WEFE's
figures when WEFE is importable)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.words.bias import bias_direction, hard_debias, project, run_weat, weat, word_sets
from embedlab.words.vectors import WordVectors


@pytest.fixture
def tiny() -> WordVectors:
    words = ["x1", "x2", "y1", "y2", "a1", "a2", "b1", "b2"]
    vectors = [[1, 0], [0.6, 0.8], [0, 1], [0.8, 0.6], [1, 0], [2, 0], [0, 1], [0, 3]]
    return WordVectors(words, np.array(vectors, dtype=np.float32), name="tiny")


def test_weat_effect_size_and_exact_p_value_by_hand(tiny: WordVectors) -> None:
    result = weat(tiny, ["x1", "x2"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"])
    # s(w) = cos(w, e1) - cos(w, e2): x1 1, x2 -0.2, y1 -1, y2 0.2
    # effect = (0.4 - -0.4) / population std of [1, -0.2, -1, 0.2] (sqrt 0.52)
    assert result.effect_size == pytest.approx(0.8 / np.sqrt(0.52), rel=1e-5)
    assert result.statistic == pytest.approx(1.6, rel=1e-5)
    # the 6 splits of {1, -0.2, -1, 0.2} into two pairs, statistic = 2 sum(X_i) - 0:
    # {x1 x2} 1.6 (observed), {x1 y1} 0, {x1 y2} 2.4, {x2 y1} -2.4, {x2 y2} 0, {y1 y2} -1.6;
    # at least 1.6: the observed split and {x1 y2} -> 2 / 6 (no +1 correction: exact test)
    assert result.exact and result.permutations == 6
    assert result.p_value == pytest.approx(2 / 6)
    # X and Y swapped: observed -1.6, and every split but {x2 y1} (-2.4) is at least that
    swapped = weat(tiny, ["y1", "y2"], ["x1", "x2"], ["a1", "a2"], ["b1", "b2"])
    assert swapped.p_value == pytest.approx(5 / 6)


def test_weat_sampled_p_value_is_seeded() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    vectors = WordVectors(words, rng.normal(size=(40, 5)))
    args = (words[:10], words[10:20], words[20:30], words[30:])
    a = weat(vectors, *args, permutations=500, seed=3)
    b = weat(vectors, *args, permutations=500, seed=3)
    assert not a.exact and a.permutations == 500 and a.p_value == b.p_value
    assert 0 < a.p_value <= 1


def test_weat_missing_words_are_reported(tiny: WordVectors) -> None:
    result = weat(tiny, ["x1", "x2", "nope"], ["y1", "y2"], ["a1", "a2"], ["b1", "b2"])
    assert result.missing == {"X": ["nope"]}
    with pytest.raises(InvalidInputError, match="only 1 of the 2 words of set Y"):
        weat(tiny, ["x1", "x2"], ["y1", "zz"], ["a1", "a2"], ["b1", "b2"])


def test_standard_tests_are_shipped() -> None:
    tests = word_sets()["weat"]
    assert {"weat-gender-career", "weat-gender-math", "weat-gender-science"} <= set(tests)
    assert tests["weat-gender-career"]["targets"][1][:2] == ["John", "Paul"]
    with pytest.raises(NotFoundError, match="Did you mean 'weat-gender-career'"):
        run_weat(WordVectors(["a"], np.ones((1, 2))), "weat-gender-carer")


@pytest.fixture
def gendered() -> WordVectors:
    # axis 0: gender (+ male), axis 1: family, axis 2: career, axis 3: noise
    words = {
        "she": [-1, 0.1, 0, 0.3],
        "he": [1, 0.1, 0, 0.3],
        "woman": [-1, 0.2, 0, 0.1],
        "man": [1, 0.2, 0, 0.1],
        "nurse": [-0.5, 0.5, 0.5, 0],
        "engineer": [0.6, 0, 1, 0.1],
        "home": [-0.3, 1, 0, 0.1],
        "office": [0.3, 0, 1, 0.2],
    }
    return WordVectors(list(words), np.array(list(words.values()), dtype=np.float32))


def test_gender_direction_from_definitional_pairs(gendered: WordVectors) -> None:
    direction, explained = bias_direction(gendered, [["she", "he"], ["woman", "man"]])
    np.testing.assert_allclose(np.abs(direction), [1, 0, 0, 0], atol=1e-6)
    assert direction[0] > 0 and explained == pytest.approx(1.0)
    projections = project(gendered, ["nurse", "engineer", "missing"], direction)
    assert projections["nurse"] < 0 < projections["engineer"] and "missing" not in projections


def test_hard_debias_neutralises_and_equalises(gendered: WordVectors) -> None:
    direction, _ = bias_direction(gendered, [["she", "he"], ["woman", "man"]])
    fixed = hard_debias(
        gendered,
        direction,
        gender_specific=["she", "he", "woman", "man"],
        equalize_pairs=[["woman", "man"]],
    )
    g = direction / np.linalg.norm(direction)
    for word in ("nurse", "engineer", "home", "office"):
        assert abs(fixed.vector(word) @ g) < 1e-6  # neutralised
        assert np.linalg.norm(fixed.vector(word)) == pytest.approx(1.0, rel=1e-5)
    woman, man = fixed.vector("woman"), fixed.vector("man")
    assert np.linalg.norm(woman) == pytest.approx(1.0) and np.linalg.norm(man) == pytest.approx(1.0)
    for word in ("nurse", "engineer"):  # equally far from both words of the pair
        assert fixed.vector(word) @ woman == pytest.approx(fixed.vector(word) @ man, abs=1e-6)
    # gender-specific words outside the equalise pairs keep their direction
    np.testing.assert_allclose(fixed.vector("she"), gendered.unit[gendered.index["she"]], atol=1e-6)
    before = weat(
        gendered, ["engineer", "office"], ["nurse", "home"], ["he", "man"], ["she", "woman"]
    )
    after = weat(fixed, ["engineer", "office"], ["nurse", "home"], ["he", "man"], ["she", "woman"])
    assert before.effect_size > 1 and abs(after.statistic) < abs(before.statistic) / 10


def test_same_figures_as_wefe() -> None:
    """WEFE (installed by `make install`, without its stale pins) on the same vectors."""
    from gensim.models import KeyedVectors
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(16)]
    vectors = rng.normal(size=(16, 6)).astype(np.float32)
    kv = KeyedVectors(vector_size=6)
    kv.add_vectors(words, vectors)
    query = Query([words[:4], words[4:8]], [words[8:12], words[12:]], ["X", "Y"], ["A", "B"])
    # p-values are not compared: WEFE 1.0.1 draws its "permutations" with replacement
    # (rng.choice without replace=False), so its p-value is not Caliskan's permutation test.
    theirs = WEAT().run_query(query, WordEmbeddingModel(kv, "toy"))
    ours = weat(WordVectors(words, vectors), words[:4], words[4:8], words[8:12], words[12:])
    assert ours.effect_size == pytest.approx(theirs["effect_size"], rel=1e-5)
    assert ours.statistic == pytest.approx(theirs["result"], rel=1e-5)
