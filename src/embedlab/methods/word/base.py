"""The shared part of the word methods: corpus preparation, vocabulary, per-text mean vectors,
state, and the per-epoch progress bars.

Each word method is an estimator on texts: `fit(texts)` preprocesses the corpus once into a
token file, keeps the words seen `min_count` times and learns one vector per word (`words_`,
`counts_`, `vectors_`, most frequent word first); `transform(texts)` gives each text the mean
vector of its known words (the words dataset's own items are single words, so they get their
word's vector). `word_vectors()` returns the vectors with similarity, analogy and odd-one-out
operations.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, check_texts
from embedlab.preprocess.text import SpellingCorrector, TextOptions, join_phrases, tokenize
from embedlab.words.corpus import (
    PreparedCorpus,
    Vocabulary,
    prepare_corpus,
    temporary_folder,
)
from embedlab.words.vectors import WordVectors

#: Parameters that decide the vocabulary: two spaces share a words dataset when these agree.
VOCABULARY_PARAMS = (
    "min_count",
    "max_vocab",
    "lowercase",
    "remove_stopwords",
    "remove_punctuation",
    "correct_spelling",
    "phrases",
)
SMALL_CORPUS_TOKENS = 100_000  # below this, one thread: same seed, same vectors


class WordEmbedder(Embedder):
    """Shared fit/transform/state of the word methods; subclasses implement `_train`."""

    modality = "text"
    counted_keys = ("texts_without_known_words",)
    dims_projection = False  # the vector size is trained in: set it with the method's own

    min_count: int
    max_vocab: int | None
    lowercase: bool
    remove_stopwords: bool
    remove_punctuation: bool
    correct_spelling: bool
    phrases: bool

    words_: np.ndarray
    counts_: np.ndarray
    vectors_: np.ndarray | None
    phrases_: frozenset[str]

    # -- parameters ----------------------------------------------------------------------------
    def _check_int(self, name: str, minimum: int) -> None:
        value = getattr(self, name)
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        self._check_param(name, ok, f"an int >= {minimum}")

    def _check_positive_float(self, name: str, upper: float | None = None) -> None:
        value = getattr(self, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        ok = ok and (upper is None or value <= upper)
        self._check_param(
            name, ok, "a float > 0" if upper is None else f"a float in the range (0, {upper}]"
        )

    def _validate_common(self) -> None:
        self._check_int("min_count", 1)
        if self.max_vocab is not None:
            self._check_int("max_vocab", 1)
        for flag in (
            "lowercase",
            "remove_stopwords",
            "remove_punctuation",
            "correct_spelling",
            "phrases",
        ):
            self._check_param(flag, isinstance(getattr(self, flag), bool), "a bool")

    def text_options(self) -> TextOptions:
        return TextOptions(
            lowercase=self.lowercase,
            remove_stopwords=self.remove_stopwords,
            remove_punctuation=self.remove_punctuation,
            correct_spelling=self.correct_spelling,
        )

    def vocabulary_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in VOCABULARY_PARAMS}

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, X: Iterable[str]) -> WordEmbedder:
        """Learn a vector for every word seen at least `min_count` times in the texts X (any
        restartable iterable of strings; read once, streamed)."""
        self._validate_params()
        if isinstance(X, str):
            raise InvalidInputError(
                "Expected a corpus (a list or iterable of texts), got a single string: wrap it in "
                "a list."
            )
        with temporary_folder() as folder:
            corpus = prepare_corpus(X, self.text_options(), folder, phrases=self.phrases)
            vocabulary = corpus.vocabulary(self.min_count, self.max_vocab)
            vectors, report = self._train(corpus, vocabulary)
        self.words_ = vocabulary.words
        self.counts_ = vocabulary.counts
        self.vectors_ = vectors
        self.phrases_ = corpus.phrases
        self.dimension_ = self._dimension()
        self.report_ = {
            "vocabulary": len(vocabulary),
            "texts": corpus.n_texts,
            "tokens": corpus.n_tokens,
            "distinct_words": len(corpus.counts),
            "phrases": len(corpus.phrases),
            "spelling_corrections": corpus.spelling_corrections,
            **report,
            "texts_without_known_words": 0,
        }
        return self

    def _train(
        self, corpus: PreparedCorpus, vocabulary: Vocabulary
    ) -> tuple[np.ndarray | None, dict[str, Any]]:
        raise NotImplementedError

    def _dimension(self) -> int:
        assert self.vectors_ is not None
        return int(self.vectors_.shape[1])

    # -- transform -----------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """A text's tokens as the model saw its corpus (same options, same phrases)."""
        self._check_fitted()
        speller = self._speller() if self.correct_spelling else None
        return join_phrases(tokenize(text, self.text_options(), speller), self.phrases_)

    def _speller(self) -> SpellingCorrector:
        if getattr(self, "_speller_cache", None) is None:
            self._speller_cache = SpellingCorrector()
        return self._speller_cache

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Each text's mean word vector over its words in the vocabulary (zeros if none)."""
        self._check_fitted()
        texts = check_texts(X)
        index = self.index()
        out = np.zeros((len(texts), self.dimension_), dtype=np.float32)
        missing = 0
        for row, text in enumerate(texts):
            rows = [i for i in map(index.get, self.tokens(text)) if i is not None]
            if rows:
                out[row] = self._embed_rows(np.asarray(rows))
            else:
                missing += 1
        self.report_["texts_without_known_words"] = missing
        return out

    def _embed_rows(self, rows: np.ndarray) -> np.ndarray:
        assert self.vectors_ is not None
        return self.vectors_[rows].mean(axis=0)

    def index(self) -> dict[str, int]:
        if getattr(self, "_index", None) is None or len(self._index) != len(self.words_):
            self._index = {w: i for i, w in enumerate(self.words_.tolist())}
        return self._index

    def word_vectors(self) -> WordVectors:
        """The learned vectors as `embedlab.words.WordVectors` (similarity, analogies...)."""
        self._check_fitted()
        if self.vectors_ is None:
            raise InvalidInputError(
                f"{type(self).__name__} has no dense vectors: every word is its own axis."
            )
        return WordVectors(self.words_, self.vectors_, self.counts_)

    # -- state ---------------------------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        state = {
            "words": self.words_,
            "counts": self.counts_,
            "phrases": np.array(sorted(self.phrases_), dtype=str),
        }
        if self.vectors_ is not None:
            state["vectors"] = self.vectors_
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> WordEmbedder:
        self.words_ = np.asarray(state["words"]).astype(str)
        self.counts_ = np.asarray(state["counts"], dtype=np.int64)
        vectors = state.get("vectors")
        self.vectors_ = None if vectors is None else np.ascontiguousarray(vectors, np.float32)
        self.phrases_ = frozenset(np.asarray(state.get("phrases", [])).astype(str).tolist())
        self._index = None
        self.dimension_ = self._dimension()
        self.report_ = {"vocabulary": len(self.words_), "texts_without_known_words": 0}
        return self


class EpochBars:
    """One progress task per epoch, named with the loss so far (the reporter protocol has no
    way to relabel a running bar)."""

    def __init__(self, method: str, epochs: int, total: float | None) -> None:
        self.method = method
        self.epochs = epochs
        self.total = total
        self.losses: list[float] = []
        self._stack = contextlib.ExitStack()
        self.bar: progress.ProgressTask | None = None

    def begin(self, epoch: int) -> None:
        loss = f", loss {self.losses[-1]:.4g} after epoch {epoch}" if self.losses else ""
        label = f"Training {self.method}: epoch {epoch + 1}/{self.epochs}{loss}"
        self.bar = self._stack.enter_context(progress.task(label, total=self.total))

    def end(self, loss: float) -> None:
        self.losses.append(loss)
        if self.bar is not None and self.total is not None:
            self.bar.advance(self.total)
        self._stack.close()
        self.bar = None


def train_from_file(
    model: Any,
    corpus_file: str,
    *,
    total_words: int,
    total_examples: int,
    epochs: int,
    label: str,
) -> list[float]:
    """Train a gensim Word2Vec model (vocabulary built) on a token file in corpus_file mode,
    one progress bar per epoch; returns the loss of each epoch (gensim sums it over the run)."""
    from gensim.models.callbacks import CallbackAny2Vec

    bars = EpochBars(label, epochs, None)

    class Loss(CallbackAny2Vec):  # type: ignore[misc]
        def __init__(self) -> None:
            self.cumulative = 0.0

        def on_epoch_begin(self, model: Any) -> None:
            bars.begin(len(bars.losses))

        def on_epoch_end(self, model: Any) -> None:
            total = float(model.get_latest_training_loss())
            bars.end(total - self.cumulative)
            self.cumulative = total

    # gensim's corpus_file mode gives each worker 1/N of the file but decays each worker's
    # learning rate by its own count over the whole file's, so with N workers alpha falls only
    # 1/N of the way in each epoch (0.025 to 0.0125 in one epoch with two). Each worker's share
    # as the expected count makes the decay reach min_alpha, as in iterable mode; total_words
    # (which also splits the file between workers) stays the whole file's.
    per_worker = max(1, total_examples // max(1, int(model.workers)))
    model.train(
        corpus_file=corpus_file,
        total_words=total_words,
        total_examples=per_worker,
        epochs=epochs,
        compute_loss=True,
        callbacks=[Loss()],
    )
    return [round(x, 2) for x in bars.losses]
