"""The one-hot vocabulary: the baseline every dense word embedding improves on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.base import check_texts, register
from embedlab.methods.word.base import WordEmbedder
from embedlab.words.corpus import PreparedCorpus, Vocabulary


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
