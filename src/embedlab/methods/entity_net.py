"""The torch network behind entity embeddings and its training loop (imported only to fit).

The network: one `nn.Embedding` per categorical column, concatenated with the standardised
numeric columns, then Linear -> ReLU -> Dropout(0.1) -> Linear to the output (1 value for a
regression, one logit per class). Trained with AdamW (decoupled weight decay) in shuffled
mini-batches; after each epoch the validation loss is measured, and training stops when it has
not improved for `patience` epochs; the tables of the best epoch are returned.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from embedlab import progress
from embedlab.methods.records import embedding_dimension

DROPOUT = 0.1
#: the spread of the initial category vectors (fast.ai's choice for embedding tables)
INIT_STD = 0.01


@dataclass(frozen=True)
class TrainSettings:
    """The hyperparameters of one training run (those of the EntityEmbedding)."""

    target: str
    max_dim: int
    hidden: int
    epochs: int
    patience: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    seed: int


class EntityNet(nn.Module):
    """Embedding tables + numeric inputs -> one hidden layer -> prediction."""

    def __init__(
        self, cardinalities: list[int], dims: list[int], n_numeric: int, hidden: int, n_out: int
    ) -> None:
        super().__init__()
        self.tables = nn.ModuleList(
            nn.Embedding(c, d) for c, d in zip(cardinalities, dims, strict=True)
        )
        for table in self.tables:
            nn.init.normal_(table.weight, std=INIT_STD)
        width = sum(dims) + n_numeric
        self.head = nn.Sequential(
            nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(DROPOUT), nn.Linear(hidden, n_out)
        )

    def forward(self, codes: torch.Tensor, numeric: torch.Tensor) -> torch.Tensor:
        parts = [table(codes[:, j]) for j, table in enumerate(self.tables)]
        return self.head(torch.cat([*parts, numeric], dim=1))


def train_entity_net(
    estimator: TrainSettings,
    cardinalities: list[int],
    codes: np.ndarray,
    numeric: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    valid: np.ndarray,
    n_out: int,
) -> dict[str, Any]:
    """Fit the network on rows `train`, stop early on rows `valid`; returns the best epoch's
    tables (float32 arrays) and what happened (epochs run, best epoch, losses)."""
    dims = [embedding_dimension(c, estimator.max_dim) for c in cardinalities]
    net = EntityNet(cardinalities, dims, numeric.shape[1], estimator.hidden, n_out)
    optimiser = torch.optim.AdamW(
        net.parameters(), lr=estimator.learning_rate, weight_decay=estimator.weight_decay
    )
    classify = n_out > 1
    loss_fn: nn.Module = nn.CrossEntropyLoss() if classify else nn.MSELoss()
    codes_t = torch.from_numpy(codes)
    numeric_t = torch.from_numpy(numeric)
    y_t = torch.from_numpy(y if classify else y.reshape(-1, 1))
    generator = torch.Generator().manual_seed(estimator.seed)
    train_t = torch.from_numpy(train)
    valid_t = torch.from_numpy(valid)
    best = (float("inf"), 0, copy.deepcopy(net.state_dict()))
    history: list[float] = []
    with progress.task(
        f"Training entity embeddings on '{estimator.target}'", estimator.epochs
    ) as bar:
        for epoch in range(1, estimator.epochs + 1):
            net.train()
            order = train_t[torch.randperm(len(train_t), generator=generator)]
            total = 0.0
            for start in range(0, len(order), estimator.batch_size):
                rows = order[start : start + estimator.batch_size]
                optimiser.zero_grad()
                loss = loss_fn(net(codes_t[rows], numeric_t[rows]), y_t[rows])
                loss.backward()
                optimiser.step()
                total += loss.item() * len(rows)
            val_loss = _evaluate(net, loss_fn, codes_t, numeric_t, y_t, valid_t)
            history.append(round(val_loss, 5))
            if val_loss < best[0] - 1e-6:
                best = (val_loss, epoch, copy.deepcopy(net.state_dict()))
            bar.advance(1)
            progress.show(bar, f"loss {total / len(order):.4f}, validation {val_loss:.4f}")
            if epoch - best[1] >= estimator.patience:
                break
    net.load_state_dict(best[2])
    tables = [t.weight.detach().numpy().astype(np.float32).copy() for t in net.tables]
    return {
        "embeddings": tables,
        "epochs_run": len(history),
        "best_epoch": best[1],
        "validation_loss": round(best[0], 5),
        "loss": "cross-entropy" if classify else "mse (standardised target)",
        "stopped_early": len(history) < estimator.epochs,
    }


def _evaluate(
    net: EntityNet,
    loss_fn: nn.Module,
    codes: torch.Tensor,
    numeric: torch.Tensor,
    y: torch.Tensor,
    rows: torch.Tensor,
) -> float:
    net.eval()
    with torch.no_grad():
        return float(loss_fn(net(codes[rows], numeric[rows]), y[rows]))
