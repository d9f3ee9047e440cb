"""A corpus made ready for training: one streaming pass of preprocessing writes the tokens to a
temporary file (one sentence per line, the format gensim's `corpus_file` mode and the reference
GloVe read) and counts the words; later passes (word2vec epochs, GloVe co-occurrences) read that
file instead of tokenising again. Memory holds the word counts, never the corpus.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.preprocess.text import (
    SpellingCorrector,
    TextOptions,
    iter_sentences,
    learn_phrases,
)


@dataclass
class Vocabulary:
    """Kept words, most frequent first (ties alphabetical), with their counts."""

    words: np.ndarray  # str
    counts: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words.tolist())}


@dataclass
class PreparedCorpus:
    """Tokens on disk (`path`, one sentence per line) and the count of every distinct word."""

    path: Path
    counts: Counter[str]
    n_texts: int
    n_sentences: int
    n_tokens: int
    phrases: frozenset[str]
    spelling_corrections: int

    def sentences(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                yield line.split()

    def vocabulary(self, min_count: int, max_vocab: int | None = None) -> Vocabulary:
        """Words seen at least `min_count` times (the `max_vocab` most frequent, if set)."""
        if self.n_tokens == 0:
            raise InvalidInputError(
                f"The corpus has no words: {self.n_texts:,} text(s), all empty after "
                "preprocessing (tokenising, punctuation and stop-word removal). Expected texts "
                "with words in them."
            )
        kept = sorted(
            ((w, c) for w, c in self.counts.items() if c >= min_count), key=lambda x: (-x[1], x[0])
        )
        if max_vocab is not None:
            kept = kept[:max_vocab]
        if not kept:
            word, top = self.counts.most_common(1)[0]
            raise InvalidInputError(
                f"No word occurs at least min_count={min_count} times, so the vocabulary is "
                f"empty: the corpus has {self.n_tokens:,} tokens and {len(self.counts):,} distinct "
                f"words, the most frequent ('{word}') {top} time(s). Lower min_count (to at most "
                f"{top} to keep any word at all) or give a larger corpus."
            )
        words = np.array([w for w, _ in kept], dtype=str)
        return Vocabulary(words, np.array([c for _, c in kept], dtype=np.int64))


def check_window(corpus: PreparedCorpus, vocabulary: Vocabulary, window: int) -> None:
    """A corpus must be longer than the context window, or there is nothing to learn."""
    kept = int(vocabulary.counts.sum())
    if kept <= window:
        raise InvalidInputError(
            f"The corpus is smaller than the context window: {kept} token(s) of vocabulary words "
            f"(from {corpus.n_tokens} tokens in all), not more than window={window}, so every "
            "word would be the context of every other and the vectors learn nothing. Give a "
            "larger corpus, or a smaller window."
        )
    if len(vocabulary) < 2:
        raise InvalidInputError(
            f"The vocabulary has {len(vocabulary)} word ('{vocabulary.words[0]}'); at least 2 "
            "are needed to learn anything. Lower min_count or give a larger corpus."
        )


def _restartable(texts: Iterable[str]) -> bool:
    return iter(texts) is not texts


def prepare_corpus(
    texts: Iterable[str],
    options: TextOptions,
    folder: str | Path,
    *,
    phrases: bool = False,
    phrase_min_count: int = 5,
) -> PreparedCorpus:
    """Tokenise `texts` once into `folder`/corpus.txt and count the words (streaming)."""
    speller = SpellingCorrector() if options.correct_spelling else None
    learned: frozenset[str] = frozenset()
    if phrases:
        if not _restartable(texts):
            raise InvalidInputError(
                "Phrase detection reads the corpus twice, but the texts are a one-shot iterator. "
                "Pass a list or a restartable iterable (e.g. embedlab.preprocess.text.TextLines)."
            )
        with progress.task("Learning phrases", total=None):
            learned = learn_phrases(
                iter_sentences(texts, options, speller=speller), min_count=phrase_min_count
            )
    path = Path(folder) / "corpus.txt"
    counts: Counter[str] = Counter()
    n_sentences = n_tokens = 0
    with progress.task("Preprocessing the corpus", total=None) as bar:
        seen = _CountedTexts(texts, bar)
        sentences = iter_sentences(seen, options, speller=speller, phrases=learned)
        with path.open("w", encoding="utf-8") as out:
            for tokens in sentences:
                if not tokens:
                    continue
                counts.update(tokens)
                out.write(" ".join(tokens))
                out.write("\n")
                n_sentences += 1
                n_tokens += len(tokens)
    return PreparedCorpus(
        path=path,
        counts=counts,
        n_texts=seen.count,
        n_sentences=n_sentences,
        n_tokens=n_tokens,
        phrases=learned,
        spelling_corrections=speller.corrected if speller else 0,
    )


class _CountedTexts:
    """Passes texts through, counting them and advancing a progress bar every 10,000."""

    def __init__(self, texts: Iterable[str], bar: progress.ProgressTask) -> None:
        self.texts = texts
        self.bar = bar
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for text in self.texts:
            self.count += 1
            if self.count % 10_000 == 0:
                self.bar.advance(10_000)
            yield text


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    """Where a prepared corpus lives during training ($TMPDIR)."""
    return tempfile.TemporaryDirectory(prefix="embedlab-corpus-")
