"""Word2Vec (CBOW and skip-gram) by gensim, trained on the prepared token file."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from embedlab.methods.base import register
from embedlab.methods.word.base import SMALL_CORPUS_TOKENS, WordEmbedder, train_from_file
from embedlab.words.corpus import PreparedCorpus, Vocabulary, check_window


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
        losses = train_from_file(
            model,
            str(corpus.path),
            total_words=corpus.n_tokens,
            total_examples=corpus.n_sentences,
            epochs=self.epochs,
            label="word2vec",
        )
        rows = [model.wv.key_to_index[w] for w in vocabulary.words.tolist()]
        vectors = np.ascontiguousarray(model.wv.vectors[rows], dtype=np.float32)
        return vectors, {"loss_per_epoch": losses, "workers": workers}
