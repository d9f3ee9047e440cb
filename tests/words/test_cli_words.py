"""The word commands end to end on a tiny corpus, through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error
from tests.words.conftest import GROUPS, mixed_context_corpus


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "texts.txt"
    lines = (
        mixed_context_corpus() + ["The king and the queen rule; the man and the woman walk."] * 5
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_words_pipeline_end_to_end(run, corpus_file: Path) -> None:
    code, out, err = run("ingest", "corpus", str(corpus_file), "--text", "text")
    assert code == 0, err
    glove = ("--param", "epochs=25", "--param", "vector_size=16", "--param", "window=3")
    code, out, err = run("words", "corpus", "--method", "glove", *glove, "--json")
    report = json.loads(out)
    assert code == 0, err
    assert report["dataset"] == "corpus-words" and report["space"] == "glove"
    assert report["dim"] == 16 and report["method_report"]["loss_per_epoch"]
    code, out, err = run(
        "words",
        "corpus",
        "--method",
        "word2vec",
        "--param",
        "sg=1",
        "--param",
        "window=3",
        "--param",
        "epochs=10",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["dataset_written"] is False  # same vocabulary: shared
    code, out, _ = run("words", "corpus", "--method", "onehot", "--json")
    onehot = json.loads(out)
    assert onehot["dim"] == onehot["n_words"] and onehot["method_report"]["one_hot_dense_bytes"]

    workspace = Workspace(run.workspace)
    words_ds = workspace.dataset("corpus-words")
    assert words_ds.ids()[0] == "the" and "count" in words_ds.columns
    assert set(workspace.space_names("corpus-words")) == {"glove", "word2vec", "onehot"}
    runs = [r.kind for r in workspace.manifest.runs("corpus-words")]
    assert runs.count("words") == 3

    pets = set(GROUPS["pets"][0]) | set(GROUPS["pets"][1])
    code, out, _ = run("neighbors", "corpus-words", "glove", "cat", "-k", "3", "--json")
    assert code == 0 and {h["word"] for h in json.loads(out)} <= pets
    code, out, _ = run("search", "corpus-words", "glove", "cat", "--by", "id", "-k", "3", "--json")
    assert code == 0 and {h["id"] for h in json.loads(out)} <= pets
    code, out, _ = run("search", "corpus-words", "word2vec", "truck", "-k", "1", "--json")
    assert code == 0 and json.loads(out)[0]["id"] == "truck"  # text query: the word itself
    code, out, _ = run("analogy", "corpus-words", "glove", "king", "man", "woman", "--json")
    assert code == 0 and len(json.loads(out)) == 5
    code, out, _ = run("odd-one-out", "corpus-words", "word2vec", "cat", "dog", "car", "--json")
    assert code == 0 and json.loads(out)["odd_one_out"] == "car"
    code, out, _ = run("similarity", "corpus-words", "glove", "car", "truck")
    assert code == 0 and "similarity('car', 'truck')" in out
    benchmarks = ("--benchmark", "analogy,wordsim353,simlex999")
    code, out, _ = run("evaluate", "corpus-words", "glove", "word2vec", *benchmarks)
    assert code == 0 and "wordsim353" in out and "OOV" in out
    code, out, _ = run("project", "corpus-words", "glove", "--method", "pca", "--json")
    assert code == 0
    code, out, _ = run("words", "corpus", "--method", "glove", *glove, "--json")
    assert json.loads(out)["reused"] is True


@pytest.mark.slow
def test_word_errors_are_clear(run, corpus_file: Path, tmp_path: Path) -> None:
    run("ingest", "corpus", str(corpus_file), "--text", "text")
    run("words", "corpus", "--method", "word2vec", "--param", "epochs=1", "--param", "window=2")
    code, _, err = run("neighbors", "corpus-words", "word2vec", "catt")
    assert_clear_error(code, err, "'catt' is not in the vocabulary", "'cat'")
    code, _, err = run("words", "corpus", "--method", "word2vec", "--param", "window=0")
    assert_clear_error(code, err, "The 'window' parameter of Word2Vec must be an int >= 1. Got 0")
    code, _, err = run("words", "corpus", "--method", "glove", "--param", "min_count=2")
    assert_clear_error(
        code,
        err,
        "Words dataset 'corpus-words' holds the vocabulary of spaces word2vec",
        "min_count 5 -> 2",
        "--replace",
    )
    code, _, err = run(
        "words", "corpus", "--method", "glove", "--param", "min_count=100000", "--dataset", "big"
    )
    assert_clear_error(code, err, "No word occurs at least min_count=100000 times")
    code, _, err = run(
        "evaluate", "corpus-words", "--benchmark", "analogy", "--analogy-method", "3cosmull"
    )
    assert_clear_error(
        code,
        err,
        "The 'analogy_method' parameter of evaluate_words must be one of '3cosadd', '3cosmul'. "
        "Got '3cosmull' instead.",
    )
    code, _, err = run("analogy", "corpus-words", "word2vec", "cat", "dog", "car", "--method", "x")
    assert_clear_error(code, err, "The 'method' parameter of WordVectors.analogy must be one of")
    code, _, err = run("words", "corpus", "--method", "fasttext")
    assert_clear_error(code, err, "Unknown word method 'fasttext'", "'word2vec'")
    code, _, err = run("bias", "corpus-words", "word2vec", "--test", "weat-gender-career")
    assert_clear_error(code, err, "WEAT 'weat-gender-career'", "are in the vocabulary")
    # nothing stored was lost on the way
    assert Workspace(run.workspace).space_names("corpus-words") == ["word2vec"]
    empty = tmp_path / "empty.txt"
    empty.write_text("!!!\n...\n", encoding="utf-8")
    run("ingest", "blank", str(empty), "--text", "text")
    code, _, err = run("words", "blank", "--method", "glove", "--param", "min_count=1")
    assert_clear_error(code, err, "The corpus has no words: 2 text(s)")
    korean = tmp_path / "korean.txt"
    korean.write_text("나는 학교에 갔다.\n학교에 친구가 있다.\n" * 20, encoding="utf-8")
    run("ingest", "ko", str(korean), "--text", "text")
    code, out, err = run("words", "ko", "--method", "word2vec", "--param", "min_count=2", "--json")
    assert code == 0, err
    assert "학교" in Workspace(run.workspace).dataset("ko-words").ids()
