"""Texts longer than a model's window: cut them (`long="truncate"`) or embed overlapping windows
of the model's maximum length and pool them into one vector (`long="chunk"`).

Pooling weights each window's unit vector by its number of tokens, so a document's vector is
close to the mean over all its tokens; a document that repeats one text gives that text's
vector back. The methods count, per `transform`, the texts they `truncated`, the texts they
`chunked` and the `chunks` (windows) those gave, for the embed report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from embedlab.methods.base import Embedder, l2_normalize

LongMode = Literal["truncate", "chunk"]
LONG_MODES: tuple[str, ...] = ("truncate", "chunk")
#: The report keys every long-aware method counts per `transform` call.
LONG_COUNTS: tuple[str, ...] = ("truncated", "chunked", "chunks")


def check_long_params(estimator: Embedder, window: int | None = None) -> None:
    """Validate `long`, and `chunk_overlap` when the method chunks windows of `window` tokens
    (the overlap must leave each window at least half new; truncating ignores that bound, not
    a negative or non-integer overlap)."""
    long = estimator.long  # type: ignore[attr-defined]
    estimator._check_param(
        "long", isinstance(long, str) and long in LONG_MODES, "one of 'truncate', 'chunk'"
    )
    if window is None:
        return
    overlap = estimator.chunk_overlap  # type: ignore[attr-defined]
    is_int = isinstance(overlap, int) and not isinstance(overlap, bool)
    # the window-relative bound binds only when chunking; a negative overlap never makes sense
    estimator._check_param("chunk_overlap", is_int and overlap >= 0, "an int >= 0")
    if long != "chunk":
        return
    estimator._check_param(
        "chunk_overlap",
        isinstance(overlap, int) and not isinstance(overlap, bool) and 0 <= overlap <= window // 2,
        f"an int in the range [0, {window // 2}] (at most half the {window}-token window)",
    )


def window_spans(n_tokens: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """[start, stop) spans that cover n_tokens with windows of at most `window` tokens,
    consecutive windows sharing `overlap` tokens; one span when the text fits."""
    if window < 1 or not 0 <= overlap < window:
        raise ValueError(f"need window >= 1 and 0 <= overlap < window; got {window}, {overlap}")
    if n_tokens <= window:
        return [(0, n_tokens)]
    step = window - overlap
    spans = []
    start = 0
    while True:
        stop = min(start + window, n_tokens)
        spans.append((start, stop))
        if stop == n_tokens:
            return spans
        start += step


def split_long(
    token_ids: Sequence[Sequence[int]], window: int, overlap: int
) -> tuple[list[Sequence[int]], np.ndarray, np.ndarray]:
    """Every text's content tokens cut into windows: (pieces, owner text of each piece,
    tokens in each piece). A text that fits is one piece."""
    pieces: list[Sequence[int]] = []
    owners: list[int] = []
    for text, ids in enumerate(token_ids):
        for start, stop in window_spans(len(ids), window, overlap):
            pieces.append(ids[start:stop])
            owners.append(text)
    sizes = np.fromiter((max(len(p), 1) for p in pieces), dtype=np.float64, count=len(pieces))
    return pieces, np.asarray(owners, dtype=np.int64), sizes


def pool_windows(
    vectors: np.ndarray, owners: np.ndarray, sizes: np.ndarray, n_texts: int
) -> np.ndarray:
    """One unit vector per text: the token-count-weighted mean of its windows' vectors."""
    pooled = np.zeros((n_texts, vectors.shape[1]), dtype=np.float64)
    np.add.at(pooled, owners, vectors.astype(np.float64) * sizes[:, None])
    return np.ascontiguousarray(l2_normalize(pooled), dtype=np.float32)


def long_counts(owners: np.ndarray, n_texts: int) -> dict[str, int]:
    """How many texts were chunked and into how many windows in all (texts of one window
    are not counted)."""
    per_text = np.bincount(owners, minlength=n_texts)
    many = per_text > 1
    return {"chunked": int(many.sum()), "chunks": int(per_text[many].sum())}
