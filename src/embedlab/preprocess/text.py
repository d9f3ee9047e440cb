"""Text to word tokens, streaming: lower-casing, punctuation and stop-word removal, optional
spelling correction (symspellpy's English dictionary) and phrase joining, and Korean morphemes
(kiwipiepy) for any text that holds Hangul.

Everything here works one text at a time, so a corpus larger than memory streams through
`iter_sentences`; the only state is what the caller passes in (a spelling corrector with its
cache, a set of learned phrases).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from embedlab.errors import InvalidInputError, MissingDependencyError

#: Hangul syllables, jamo and compatibility jamo.
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
#: A word: letters/digits, with inner apostrophes or hyphens kept ("don't", "state-of-the-art").
WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
#: A word, or one punctuation mark when punctuation is kept.
WORD_OR_MARK = re.compile(r"\w+(?:['\u2019-]\w+)*|[^\w\s]")
#: Longest sentence gensim trains on whole (longer ones are cut into pieces of this size).
MAX_SENTENCE = 10_000
#: Kiwi tags of punctuation and symbols, and of particles and endings (the Korean stop words).
KOREAN_MARK_TAGS = ("SF", "SP", "SS", "SE", "SO", "SW")
KOREAN_STOP_PREFIXES = ("J", "E")


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list (318 words)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@dataclass(frozen=True)
class TextOptions:
    """How texts become tokens; stored with every model trained on them."""

    lowercase: bool = True
    remove_stopwords: bool = False
    remove_punctuation: bool = True
    correct_spelling: bool = False


def has_hangul(text: str) -> bool:
    return HANGUL.search(text) is not None


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        raise MissingDependencyError(
            "This text is Korean (it holds Hangul), and Korean is split into morphemes by "
            "kiwipiepy, which is not installed: pip install kiwipiepy"
        ) from None
    return Kiwi()


def korean_morphemes(text: str, options: TextOptions = TextOptions()) -> list[str]:
    """Morphemes of a Korean text by kiwipiepy ('학교에 갔다' -> 학교, 에, 가, 았, 다).

    Punctuation and symbols go with `remove_punctuation`; particles (J*) and endings (E*),
    Korean's function words, go with `remove_stopwords`. Latin words inside are lower-cased.
    """
    tokens = []
    for token in _kiwi().tokenize(text):
        tag = token.tag
        if options.remove_punctuation and tag.startswith(KOREAN_MARK_TAGS):
            continue
        if options.remove_stopwords and tag.startswith(KOREAN_STOP_PREFIXES):
            continue
        form = token.form.lower() if options.lowercase else token.form
        if options.remove_stopwords and form in english_stop_words():
            continue
        tokens.append(form)
    return tokens


class SpellingCorrector:
    """Corrects words missing from symspellpy's English frequency dictionary (82,765 words) to
    the most frequent word within edit distance 2. Each distinct word is looked up once."""

    def __init__(self, max_edit_distance: int = 2) -> None:
        try:
            import symspellpy
        except ImportError:
            raise MissingDependencyError(
                "Spelling correction needs symspellpy: pip install symspellpy"
            ) from None
        self._verbosity = symspellpy.Verbosity.TOP
        self._speller = symspellpy.SymSpell(max_dictionary_edit_distance=max_edit_distance)
        path = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
        self._speller.load_dictionary(str(path), term_index=0, count_index=1)
        self._known = self._speller.words
        self._cache: dict[str, str] = {}
        self.max_edit_distance = max_edit_distance
        self.corrected = 0

    def __call__(self, word: str) -> str:
        fixed = self._cache.get(word)
        if fixed is None:
            fixed = self._correct(word)
            self._cache[word] = fixed
        if fixed != word:
            self.corrected += 1
        return fixed

    def _correct(self, word: str) -> str:
        # Only plain lower-case ASCII words: numbers, names in capitals, other scripts stay.
        if word in self._known or not (word.isascii() and word.isalpha() and word.islower()):
            return word
        found = self._speller.lookup(word, self._verbosity, self.max_edit_distance)
        return found[0].term if found else word


def tokenize(
    text: str,
    options: TextOptions = TextOptions(),
    speller: Callable[[str], str] | None = None,
) -> list[str]:
    """The word tokens of one text under `options` (Korean morphemes when it holds Hangul)."""
    if has_hangul(text):
        tokens = korean_morphemes(text, options)
    else:
        if options.lowercase:
            text = text.lower()
        pattern = WORD if options.remove_punctuation else WORD_OR_MARK
        tokens = pattern.findall(text)
        if options.remove_stopwords:
            stop = english_stop_words()
            tokens = [t for t in tokens if t.lower() not in stop]
    if speller is not None:
        tokens = [speller(t) for t in tokens]
    return tokens


def join_phrases(tokens: list[str], phrases: frozenset[str] | set[str]) -> list[str]:
    """Join neighbouring tokens whose 'a_b' is a learned phrase, greedily left to right (what
    gensim's FrozenPhrases does without connector words)."""
    if not phrases or len(tokens) < 2:
        return tokens
    joined = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and f"{tokens[i]}_{tokens[i + 1]}" in phrases:
            joined.append(f"{tokens[i]}_{tokens[i + 1]}")
            i += 2
        else:
            joined.append(tokens[i])
            i += 1
    return joined


def iter_sentences(
    texts: Iterable[str],
    options: TextOptions = TextOptions(),
    *,
    speller: Callable[[str], str] | None = None,
    phrases: frozenset[str] | set[str] = frozenset(),
) -> Iterator[list[str]]:
    """One token list per non-empty text (cut into pieces of at most 10,000 tokens), lazily."""
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidInputError(
                f"Text at row {row} is {type(text).__name__} ({text!r:.60}); expected a string."
            )
        tokens = join_phrases(tokenize(text, options, speller), phrases)
        for start in range(0, len(tokens), MAX_SENTENCE):
            yield tokens[start : start + MAX_SENTENCE]


def learn_phrases(
    sentences: Iterable[list[str]], *, min_count: int = 5, threshold: float = 10.0
) -> frozenset[str]:
    """Two-word phrases ('new_york') scored by gensim's Phrases (Mikolov et al.'s formula)."""
    from gensim.models.phrases import Phrases

    model = Phrases(sentences, min_count=min_count, threshold=threshold, delimiter="_")
    return frozenset(model.export_phrases())


class TextLines:
    """The lines of a UTF-8 text file as a restartable iterable, read lazily (for corpora larger
    than memory). A byte that is not UTF-8 is an error naming the line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise InvalidInputError(f"The corpus file '{self.path}' does not exist.")

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    bad = raw[error.start : error.start + 1]
                    raise InvalidInputError(
                        f"'{self.path}' is not valid UTF-8: byte {bad!r} at line {number}, "
                        f"column {error.start + 1}. Expected UTF-8 text; convert the file "
                        "first, e.g. `iconv -f latin1 -t utf-8 IN > OUT`."
                    ) from None
