"""Preprocessing: tokens, stop words, punctuation, spelling, phrases, Korean, bad bytes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.preprocess import text as text_module
from embedlab.preprocess.text import (
    SpellingCorrector,
    TextLines,
    TextOptions,
    iter_sentences,
    join_phrases,
    learn_phrases,
    tokenize,
)


def test_tokenize_lowercases_and_drops_punctuation() -> None:
    assert tokenize("The cat's toy, state-of-the-art!") == [
        "the",
        "cat's",
        "toy",
        "state-of-the-art",
    ]


def test_punctuation_kept_as_tokens_when_asked() -> None:
    options = TextOptions(lowercase=False, remove_punctuation=False)
    assert tokenize("Hello, world!", options) == ["Hello", ",", "world", "!"]


def test_stop_words_removed() -> None:
    options = TextOptions(remove_stopwords=True)
    assert tokenize("The cat is on the mat", options) == ["cat", "mat"]


@pytest.mark.slow  # loading symspellpy's dictionary takes seconds
def test_spelling_correction_uses_the_english_dictionary() -> None:
    speller = SpellingCorrector()
    assert tokenize("the goverment said", speller=speller) == ["the", "government", "said"]
    assert speller.corrected == 1
    assert speller("zzqxv") == "zzqxv"  # nothing close: kept as written


def test_phrases_are_learned_and_joined() -> None:
    sentences = [["i", "live", "in", "new", "york"], ["new", "york", "is", "big"]] * 20 + [
        ["new", "ideas"],
        ["old", "york"],
    ]
    phrases = learn_phrases(sentences, min_count=5, threshold=0.34)
    assert "new_york" in phrases
    assert join_phrases(["in", "new", "york", "now"], phrases) == ["in", "new_york", "now"]


def test_korean_is_split_into_morphemes() -> None:
    tokens = tokenize("나는 학교에 갔다.")
    assert tokens[:4] == ["나", "는", "학교", "에"]
    assert "." not in tokens
    without_particles = tokenize("나는 학교에 갔다.", TextOptions(remove_stopwords=True))
    assert "학교" in without_particles and "에" not in without_particles


def test_korean_without_kiwipiepy_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "kiwipiepy", None)
    text_module._kiwi.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match="pip install kiwipiepy"):
            tokenize("학교에 갔다")
        assert tokenize("english still works") == ["english", "still", "works"]
    finally:
        text_module._kiwi.cache_clear()


def test_iter_sentences_streams_and_names_bad_rows() -> None:
    stream = iter_sentences(iter(["a b", "", "c"]))
    assert next(stream) == ["a", "b"]
    with pytest.raises(InvalidInputError, match="row 1 is int"):
        list(iter_sentences(["ok", 5]))  # type: ignore[list-item]


def test_text_lines_reports_non_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("good line\ncaf\xe9 au lait\n".encode("latin-1"))
    lines = iter(TextLines(path))
    assert next(lines) == "good line\n"
    with pytest.raises(InvalidInputError, match="not valid UTF-8.*line 2, column 4"):
        next(lines)
