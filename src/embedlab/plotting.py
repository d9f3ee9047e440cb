"""Static pictures of a map: a PNG of the 2-D projection coloured by label."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def plot_map(
    coords: np.ndarray,
    labels: Sequence[Any] | None,
    path: str | Path,
    title: str,
    max_legend: int = 20,
) -> Path:
    """Scatter of (n, 2) `coords`, one colour per label (grey when there are none)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 8), dpi=120)
    size = max(1.0, min(12.0, 30_000 / max(len(coords), 1)))
    if labels is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=size, c="#4c72b0", alpha=0.6, linewidths=0)
    else:
        names = np.asarray(["(none)" if v is None else str(v) for v in labels])
        uniques, counts = np.unique(names, return_counts=True)
        order = uniques[np.argsort(-counts)]
        cmap = plt.get_cmap("tab20" if len(order) > 10 else "tab10")
        for i, label in enumerate(order):
            mask = names == label
            shown = label if i < max_legend else None
            ax.scatter(
                coords[mask, 0],
                coords[mask, 1],
                s=size,
                alpha=0.6,
                linewidths=0,
                color=cmap(i % cmap.N),
                label=f"{shown} ({mask.sum():,})" if shown else None,
            )
        ax.legend(markerscale=max(1.0, 6 / size), loc="best", fontsize=9, frameon=True)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
