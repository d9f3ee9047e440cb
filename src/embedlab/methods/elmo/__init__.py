"""ELMo-style contextual embeddings (Peters et al., 2018): a small two-layer bidirectional LSTM
language model trained on the corpus itself (torch, CPU).

Input is word-level, not ELMo's character CNN: words seen at least `min_count` times in the
training split (the `max_vocab` most frequent) get a row, every other word the <unk> row.
A token's vector is a FIXED equal-weight mix (`mix="mean"`) of the three layers (the token
embedding, duplicated for both directions, and the two LSTM layers, [forward; backward]):
ELMo's task-specific learned weights need a task, and embedding has none. `mix` can also pick
one layer. A text's vector is the mean of its tokens' vectors. Held-out perplexity (10% of the
texts, never trained on) is in `report_`, beside a unigram model's on the same split.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder, check_texts, register
from embedlab.preprocess.text import HANGUL, WORD_OR_MARK, _kiwi

MIXES = ("mean", "embedding", "lstm1", "lstm2")
Mix = Literal["mean", "embedding", "lstm1", "lstm2"]
INSTALL = 'pip install torch==2.13.0 && pip install "embedlab[torch]"'
TRANSFORM_BATCH_TOKENS = 8192


def token_spans(text: str, lowercase: bool = True) -> list[tuple[str, int, int]]:
    """A text's tokens with their character spans: Korean morphemes (kiwipiepy) when it holds
    Hangul, else words and single punctuation marks ('배를 탔다' -> 배, 를, 타, 았, 다)."""
    if HANGUL.search(text):
        spans = [(t.form, t.start, t.start + t.len) for t in _kiwi().tokenize(text)]
    else:
        spans = [(m.group(), m.start(), m.end()) for m in WORD_OR_MARK.finditer(text)]
    if lowercase:
        spans = [(form.lower(), start, end) for form, start, end in spans]
    return spans


def _torch_bilm() -> Any:
    try:
        from embedlab.methods.elmo import bilm
    except ImportError:
        raise MissingDependencyError(f"The 'elmo' method needs torch: {INSTALL}") from None
    return bilm


@register
class ELMo(Embedder):
    """ELMo-style biLSTM language model trained on the texts; contextual token vectors and
    mean-pooled text vectors (2 * dim)."""

    name = "elmo"
    modality = "text"
    summary = "ELMo-style 2-layer biLSTM language model trained on the corpus (torch; 2*dim-d)"
    counted_keys = ("texts_without_tokens",)

    def __init__(
        self,
        *,
        dim: int = 64,
        min_count: int = 3,
        max_vocab: int = 20000,
        seq_len: int = 64,
        max_epochs: int = 4,
        patience: int = 1,
        batch_size: int = 32,
        lr: float = 0.005,
        dropout: float = 0.1,
        heldout: float = 0.1,
        mix: Mix = "mean",
        lowercase: bool = True,
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.dim = dim
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.seq_len = seq_len
        self.max_epochs = max_epochs
        self.patience = patience
        self.batch_size = batch_size
        self.lr = lr
        self.dropout = dropout
        self.heldout = heldout
        self.mix = mix
        self.lowercase = lowercase
        self.threads = threads
        self.seed = seed

    def _validate_params(self) -> None:
        for name, minimum in (
            ("dim", 1),
            ("min_count", 1),
            ("max_vocab", 1),
            ("seq_len", 2),
            ("max_epochs", 1),
            ("patience", 1),
            ("batch_size", 1),
            ("threads", 0),
            ("seed", 0),
        ):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
            self._check_param(name, ok, f"an int >= {minimum}")
        for name, low, high, expected in (
            ("lr", 0.0, 1.0, "a float in the range (0, 1]"),
            ("dropout", -1.0, 0.9, "a float in the range [0, 0.9]"),
            ("heldout", 0.0, 0.5, "a float in the range (0, 0.5]"),
        ):
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and low < value <= high and (name != "dropout" or value >= 0)
            self._check_param(name, ok, expected)
        self._check_param("mix", self.mix in MIXES, f"one of {', '.join(map(repr, MIXES))}")
        self._check_param("lowercase", isinstance(self.lowercase, bool), "a bool")

    # -- fit -----------------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """A text's tokens as the model reads them."""
        return [form for form, _, _ in token_spans(text, self.lowercase)]

    def fit(self, X: Sequence[str]) -> ELMo:
        """Train the forward and backward LMs on the texts, early-stopped on a held-out split."""
        self._validate_params()
        texts = check_texts(X)
        bilm = _torch_bilm()
        tokenised = [self.tokens(t) for t in texts]
        train_rows, heldout_rows = self._split([i for i, t in enumerate(tokenised) if t])
        counts = Counter(w for i in train_rows for w in tokenised[i])
        self._set_vocabulary(counts)
        train_seqs = self._sequences([tokenised[i] for i in train_rows])
        heldout_seqs = self._sequences([tokenised[i] for i in heldout_rows])
        import torch

        with torch.random.fork_rng(), bilm.torch_threads(self.threads):
            torch.manual_seed(self.seed)
            self.model_ = bilm.BiLM(len(self.words_) + 3, self.dim, 2, self.dropout)
            settings = bilm.TrainSettings(
                self.max_epochs, self.patience, self.batch_size, self.lr, self.seed
            )
            trained = bilm.train(self.model_, train_seqs, heldout_seqs, settings)
        self.dimension_ = 2 * self.dim
        self.report_ = self._fit_report(trained, train_seqs, heldout_seqs, len(texts))
        self.heldout_perplexity_ = float(self.report_["heldout_perplexity"])
        return self

    def _split(self, rows: list[int]) -> tuple[list[int], list[int]]:
        """A seeded `heldout` share of the non-empty texts (at least one) is never trained on."""
        if len(rows) < 2:
            raise InvalidInputError(
                f"ELMo needs at least 2 texts with words (one to train on, one held out to "
                f"measure perplexity); got {len(rows)}."
            )
        order = np.random.default_rng(self.seed).permutation(len(rows))
        n_heldout = min(len(rows) - 1, max(1, round(self.heldout * len(rows))))
        held = sorted(rows[i] for i in order[:n_heldout])
        train = sorted(rows[i] for i in order[n_heldout:])
        return train, held

    def _set_vocabulary(self, counts: Counter[str]) -> None:
        kept = sorted(
            ((w, c) for w, c in counts.items() if c >= self.min_count), key=lambda x: (-x[1], x[0])
        )[: self.max_vocab]
        if not kept:
            raise InvalidInputError(
                f"No word occurs at least min_count={self.min_count} times in the training texts "
                f"({sum(counts.values()):,} tokens), so the vocabulary is empty. Lower min_count "
                "or give a larger corpus."
            )
        self.words_ = np.array([w for w, _ in kept], dtype=str)
        self.counts_ = np.array([c for _, c in kept], dtype=np.int64)
        self._index = {w: i + 3 for i, w in enumerate(self.words_.tolist())}

    def _ids(self, tokens: list[str]) -> np.ndarray:
        index = self._index
        return np.fromiter((index.get(t, 1) for t in tokens), dtype=np.int64, count=len(tokens))

    def _sequences(self, tokenised: list[list[str]]) -> list[np.ndarray]:
        """Word ids of each text, cut into pieces of at most `seq_len` words."""
        out = []
        for tokens in tokenised:
            ids = self._ids(tokens)
            out.extend(ids[i : i + self.seq_len] for i in range(0, len(ids), self.seq_len))
        return out

    def _fit_report(
        self, trained: Any, train_seqs: list[np.ndarray], heldout: list[np.ndarray], n_texts: int
    ) -> dict[str, Any]:
        held_ids = np.concatenate(heldout)
        return {
            "vocabulary": len(self.words_),
            "texts": n_texts,
            "train_tokens": int(sum(len(s) for s in train_seqs)),
            "heldout_tokens": int(len(held_ids)),
            "heldout_unknown_rate": round(float(np.mean(held_ids == 1)), 4),
            "epochs": len(trained.train_loss),
            "best_epoch": trained.best_epoch,
            "train_loss_per_epoch": [round(x, 4) for x in trained.train_loss],
            "heldout_perplexity_per_epoch": [round(x, 2) for x in trained.heldout_perplexity],
            "heldout_perplexity": round(
                math.sqrt(trained.forward_perplexity * trained.backward_perplexity), 2
            ),
            "forward_perplexity": round(trained.forward_perplexity, 2),
            "backward_perplexity": round(trained.backward_perplexity, 2),
            "unigram_perplexity": round(unigram_perplexity(train_seqs, heldout, self.n_ids), 2),
            "mix": f"{self.mix} (fixed)",
            "texts_without_tokens": 0,
        }

    @property
    def n_ids(self) -> int:
        return len(self.words_) + 3

    # -- transform -----------------------------------------------------------------------------
    def token_vectors(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's contextual token vectors (n_tokens, 2 * dim), tokens as `tokens(text)`."""
        self._check_fitted()
        sequences = [self._ids(self.tokens(t)) for t in check_texts(texts)]
        out: list[np.ndarray] = [np.zeros((0, self.dimension_), np.float32)] * len(sequences)
        order = np.argsort([len(s) for s in sequences], kind="stable")
        order = order[[len(sequences[i]) > 0 for i in order]]
        bilm = _torch_bilm()
        with bilm.torch_threads(self.threads):
            for rows in _length_batches([len(sequences[i]) for i in order]):
                chosen = order[rows].tolist()
                layers = bilm.token_layers(self.model_, [sequences[i] for i in chosen])
                for row, per_layer in zip(chosen, layers, strict=True):
                    out[row] = self._mix(per_layer)
        return out

    def _mix(self, layers: np.ndarray) -> np.ndarray:
        mixed = layers.mean(axis=0) if self.mix == "mean" else layers[MIXES.index(self.mix) - 1]
        return np.ascontiguousarray(mixed, dtype=np.float32)

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Each text's mean token vector (zeros for a text without tokens, counted)."""
        self._check_fitted()
        per_text = self.token_vectors(X)
        out = np.zeros((len(per_text), self.dimension_), dtype=np.float32)
        empty = 0
        for row, vectors in enumerate(per_text):
            if len(vectors):
                out[row] = vectors.mean(axis=0)
            else:
                empty += 1
        self.report_["texts_without_tokens"] = empty
        return out

    def in_vocabulary(self, word: str) -> bool:
        self._check_fitted()
        return (word.lower() if self.lowercase else word) in self._index

    # -- state ---------------------------------------------------------------------------------
    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        bilm = _torch_bilm()
        return {
            "words": self.words_,
            "counts": self.counts_,
            "heldout_perplexity": np.array(self.heldout_perplexity_),
            **bilm.state_arrays(self.model_),
        }

    def set_state(self, state: dict[str, np.ndarray]) -> ELMo:
        bilm = _torch_bilm()
        self.words_ = np.asarray(state["words"]).astype(str)
        self.counts_ = np.asarray(state["counts"], dtype=np.int64)
        self._index = {w: i + 3 for i, w in enumerate(self.words_.tolist())}
        params = {k: v for k, v in state.items() if k.startswith("param.")}
        model = bilm.BiLM(self.n_ids, self.dim, 2, self.dropout)
        self.model_ = bilm.load_arrays(model, params)
        self.heldout_perplexity_ = float(state["heldout_perplexity"])
        self.dimension_ = 2 * self.dim
        self.report_ = {
            "vocabulary": len(self.words_),
            "heldout_perplexity": self.heldout_perplexity_,
            "texts_without_tokens": 0,
        }
        return self


def _length_batches(sorted_lengths: list[int]) -> list[slice]:
    """Consecutive runs of length-sorted sequences within TRANSFORM_BATCH_TOKENS padded tokens."""
    batches, start = [], 0
    while start < len(sorted_lengths):
        stop = start + 1
        while (
            stop < len(sorted_lengths)
            and (stop - start + 1) * sorted_lengths[stop] <= TRANSFORM_BATCH_TOKENS
        ):
            stop += 1
        batches.append(slice(start, stop))
        start = stop
    return batches


def unigram_perplexity(train: list[np.ndarray], heldout: list[np.ndarray], n_ids: int) -> float:
    """Perplexity of word frequencies (add-one smoothed, counted on the training split, with the
    end boundary as a token) on the held-out split: the baseline a language model must beat."""
    counts = np.ones(n_ids)
    for seq in train:
        np.add.at(counts, seq, 1)
    counts[2] += len(train)  # one end boundary per sequence
    counts[0] = 0  # padding is never a target
    held = np.concatenate([*heldout, np.full(len(heldout), 2)])
    return float(math.exp(-np.log(counts[held] / counts.sum()).mean()))


__all__ = ["MIXES", "ELMo", "token_spans", "unigram_perplexity"]
