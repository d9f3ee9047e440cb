"""The torch part of ELMo: a two-layer bidirectional LSTM language model and its training.

Forward and backward LMs share the token embedding and the softmax (as in Peters et al., 2018);
each direction has its own LSTM stack (`dim` cells per layer, no projection: this is a small
model, and torch's LSTM with projection has no fast CPU kernel), with a residual connection
between the layers. Vocabulary ids: 0 padding, 1 unknown word, 2 the boundary token that
starts and ends every sequence, then the words. Imported only when an ELMo is fitted or
restored (torch is the optional `torch` extra).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from embedlab import progress

PAD, UNK, BOUNDARY = 0, 1, 2
SPECIALS = ("<pad>", "<unk>", "<s>")
ADAPTIVE_FROM = 1000  # vocabularies at least this large use an adaptive softmax
#: Frequency bands of the adaptive softmax (Grave et al., 2017): the most frequent 250 words in
#: the head, rarer ones in smaller, cheaper tails (2.5x faster than 2000/10000 here).
CUTOFFS = (250, 1500, 6000)


class BiLM(nn.Module):
    """Token embedding (dim), `layers` LSTM layers of `dim` cells per direction, one softmax
    over the vocabulary shared by both directions."""

    def __init__(self, vocab_size: int, dim: int, layers: int, dropout: float):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.forward_lstms = nn.ModuleList(
            nn.LSTM(dim, dim, batch_first=True) for _ in range(layers)
        )
        self.backward_lstms = nn.ModuleList(
            nn.LSTM(dim, dim, batch_first=True) for _ in range(layers)
        )
        self.dropout = nn.Dropout(dropout)
        self.adaptive = vocab_size >= ADAPTIVE_FROM
        if self.adaptive:
            cutoffs = [c for c in CUTOFFS if c < vocab_size - 1]
            self.softmax: nn.Module = nn.AdaptiveLogSoftmaxWithLoss(
                dim, vocab_size, cutoffs, div_value=4.0
            )
        else:
            self.softmax = nn.Linear(dim, vocab_size)

    def directions(self, forward_ids: torch.Tensor, backward_ids: torch.Tensor) -> list[Any]:
        """Per layer (0 = the embedding), the (forward, backward) outputs (batch, time, dim)."""
        outputs = []
        for ids, lstms in ((forward_ids, self.forward_lstms), (backward_ids, self.backward_lstms)):
            x = self.embedding(ids)
            states = [x]
            for depth, lstm in enumerate(lstms):
                h, _ = lstm(self.dropout(x))
                x = h + x if depth > 0 else h  # residual between LSTM layers, as ELMo
                states.append(x)
            outputs.append(states)
        return list(zip(outputs[0], outputs[1], strict=True))

    def nll(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of the non-padding targets."""
        keep = targets != PAD
        h, t = self.dropout(hidden[keep]), targets[keep]
        if self.adaptive:
            return -self.softmax(h, t).output.sum()
        return nn.functional.cross_entropy(self.softmax(h), t, reduction="sum")


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run torch on `threads` threads (0: torch's default), then restore the setting. One is
    the default: a small LSTM gains little from a second thread and loses many times over when
    the cores are shared (20x slower seen with 2 threads on 2 busy cores)."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class Batch:
    """Padded forward and backward inputs and targets of some sequences (rows)."""

    forward_in: torch.Tensor
    forward_out: torch.Tensor
    backward_in: torch.Tensor
    backward_out: torch.Tensor
    lengths: np.ndarray  # words per row

    @property
    def n_targets(self) -> int:
        return int(self.lengths.sum() + len(self.lengths))


def make_batch(sequences: Sequence[np.ndarray]) -> Batch:
    """Forward: <s> w1..wn predicts w1..wn <s>; backward: <s> wn..w1 predicts wn..w1 <s>."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    width = int(lengths.max()) + 1
    arrays = np.zeros((4, len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        n = len(seq)
        arrays[0, row, 0], arrays[0, row, 1 : n + 1] = BOUNDARY, seq
        arrays[1, row, :n], arrays[1, row, n] = seq, BOUNDARY
        arrays[2, row, 0], arrays[2, row, 1 : n + 1] = BOUNDARY, seq[::-1]
        arrays[3, row, :n], arrays[3, row, n] = seq[::-1], BOUNDARY
    tensors = [torch.from_numpy(a) for a in arrays]
    return Batch(*tensors, lengths=lengths)


def token_layers(model: BiLM, sequences: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Every word's vector at every layer: per sequence an array (layers + 1, n, 2 * dim),
    layer 0 the embedding twice, layer k [forward_k; backward_k] at the word's position."""
    batch = make_batch(sequences)
    model.eval()
    with torch.no_grad():
        layers = model.directions(batch.forward_in, batch.backward_in)
    out = []
    for row, n in enumerate(batch.lengths.tolist()):
        forward_at = torch.arange(1, n + 1)
        backward_at = torch.arange(n, 0, -1)  # word t sits at n - t + 1 in the reversed input
        per_layer = [torch.cat([f[row, forward_at], b[row, backward_at]], -1) for f, b in layers]
        out.append(torch.stack(per_layer).numpy())
    return out


def batches_of(sequences: list[np.ndarray], batch_size: int) -> list[list[int]]:
    """Row indices in batches of similar length (sorted by length, then cut)."""
    order = np.argsort([len(s) for s in sequences], kind="stable")
    return [order[i : i + batch_size].tolist() for i in range(0, len(order), batch_size)]


def perplexities(model: BiLM, sequences: list[np.ndarray], batch_size: int) -> tuple[float, float]:
    """Held-out perplexity of the forward and of the backward LM (every word and the end
    boundary is a target; unknown words count as the <unk> token)."""
    model.eval()
    totals = np.zeros(2)
    count = 0
    with torch.no_grad():
        for rows in batches_of(sequences, batch_size):
            batch = make_batch([sequences[i] for i in rows])
            layers = model.directions(batch.forward_in, batch.backward_in)
            totals[0] += float(model.nll(layers[-1][0], batch.forward_out))
            totals[1] += float(model.nll(layers[-1][1], batch.backward_out))
            count += batch.n_targets
    return math.exp(totals[0] / count), math.exp(totals[1] / count)


@dataclass
class TrainReport:
    train_loss: list[float] = field(default_factory=list)  # mean NLL per target, each epoch
    heldout_perplexity: list[float] = field(default_factory=list)  # mean of both directions
    best_epoch: int = 0
    forward_perplexity: float = math.inf
    backward_perplexity: float = math.inf


@dataclass
class TrainSettings:
    max_epochs: int
    patience: int
    batch_size: int
    lr: float
    seed: int


def train(
    model: BiLM, train_seqs: list[np.ndarray], heldout: list[np.ndarray], settings: TrainSettings
) -> TrainReport:
    """Adam on the summed forward and backward NLL, one progress bar per epoch (its label has
    the last loss and held-out perplexity); stops when held-out perplexity has not improved for
    `patience` epochs and keeps the best epoch's weights."""
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr)
    generator = np.random.default_rng(settings.seed)
    report = TrainReport()
    best: dict[str, torch.Tensor] | None = None
    for epoch in range(settings.max_epochs):
        batches = batches_of(train_seqs, settings.batch_size)
        generator.shuffle(batches)  # type: ignore[arg-type]
        report.train_loss.append(_epoch(model, optimiser, train_seqs, batches, epoch, report))
        forward, backward = perplexities(model, heldout, settings.batch_size)
        report.heldout_perplexity.append(math.sqrt(forward * backward))
        if report.heldout_perplexity[-1] <= min(report.heldout_perplexity):
            report.best_epoch = epoch + 1
            report.forward_perplexity, report.backward_perplexity = forward, backward
            best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif epoch + 1 - report.best_epoch >= settings.patience:
            break
    assert best is not None
    model.load_state_dict(best)
    model.eval()
    return report


def _epoch(
    model: BiLM,
    optimiser: torch.optim.Optimizer,
    sequences: list[np.ndarray],
    batches: list[list[int]],
    epoch: int,
    report: TrainReport,
) -> float:
    model.train()
    last = ""
    if report.train_loss:
        last = (
            f", loss {report.train_loss[-1]:.3f}, held-out perplexity "
            f"{report.heldout_perplexity[-1]:.1f} after epoch {epoch}"
        )
    total, count = 0.0, 0
    with progress.task(f"Training elmo: epoch {epoch + 1}{last}", total=len(batches)) as bar:
        for rows in batches:
            batch = make_batch([sequences[i] for i in rows])
            layers = model.directions(batch.forward_in, batch.backward_in)
            loss = model.nll(layers[-1][0], batch.forward_out)
            loss = loss + model.nll(layers[-1][1], batch.backward_out)
            optimiser.zero_grad()
            (loss / (2 * batch.n_targets)).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            total += float(loss.detach())
            count += 2 * batch.n_targets
            bar.advance(1)
    return total / count


def state_arrays(model: BiLM) -> dict[str, np.ndarray]:
    return {f"param.{k}": v.detach().numpy().copy() for k, v in model.state_dict().items()}


def load_arrays(model: BiLM, state: dict[str, np.ndarray]) -> BiLM:
    tensors = {k[len("param.") :]: torch.from_numpy(np.array(v)) for k, v in state.items()}
    model.load_state_dict({k: v for k, v in tensors.items()}, strict=True)
    model.eval()
    return model
