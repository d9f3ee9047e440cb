"""GloVe: embedlab's numba implementation of the reference C code, as an estimator."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from embedlab import progress
from embedlab.methods.base import register
from embedlab.methods.word.base import EpochBars, WordEmbedder
from embedlab.words.corpus import PreparedCorpus, Vocabulary, check_window


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
        # numba and scipy.sparse load only when GloVe trains, not on every CLI start
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
        bars = EpochBars("GloVe", self.epochs, None)
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
