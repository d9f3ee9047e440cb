"""The hidden older verbs: each warns on stderr naming its replacement, then gives the same
result as the replacement (stdout stays pure JSON with --json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def words_run(run, tmp_path: Path):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus.txt"
    lines = ["the cat and the dog sat", "the car and the truck drove", "a cat a dog a car"] * 20
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run("ingest", "corpus", str(corpus), "--text", "text")
    code, _, err = run("words", "corpus", "--method", "onehot")
    assert code == 0, err
    return run


def test_similar_warns_and_runs_neighbors(words_run) -> None:
    code, out, err = words_run("similar", "corpus-words", "onehot", "cat", "-k", "3", "--json")
    assert code == 0, err
    flat = " ".join(err.split())
    assert "`embedlab similar` is deprecated" in flat and "neighbors NAME SPACE WORD" in flat
    code, expected, new_err = words_run(
        "neighbors", "corpus-words", "onehot", "cat", "-k", "3", "--json"
    )
    assert code == 0 and "deprecated" not in new_err
    assert json.loads(out) == json.loads(expected) and len(json.loads(out)) == 3


def test_word_benchmarks_warns_and_runs_evaluate(words_run) -> None:
    code, out, err = words_run("word-benchmarks", "corpus-words", "--benchmark", "wordsim353")
    assert code == 0, err
    assert "`embedlab word-benchmarks` is deprecated" in " ".join(err.split())
    assert "evaluate NAME [SPACE...] --benchmark" in " ".join(err.split())
    assert "wordsim353" in out
    code, out, err = words_run(
        "word-benchmarks", "corpus-words", "--benchmark", "analogy", "--json"
    )
    code_new, out_new, _ = words_run("evaluate", "corpus-words", "--benchmark", "analogy", "--json")
    assert code == code_new == 0
    strip = [{k: v for k, v in row.items() if "second" not in k} for row in json.loads(out)]
    strip_new = [{k: v for k, v in r.items() if "second" not in k} for r in json.loads(out_new)]
    assert strip == strip_new


def test_aliases_are_hidden_from_help(run) -> None:
    code, out, _ = run("--help")
    assert code == 0 and "neighbors" in out
    assert "similar " not in out and "word-benchmarks" not in out
