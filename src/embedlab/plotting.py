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
    """Scatter of (n, 2) `coords`, one colour per label (grey when there are none).

    Draws on a bare matplotlib Figure, so a notebook's pyplot backend is left alone.
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(9, 8), dpi=120)
    ax = fig.add_subplot()
    size = max(1.0, min(12.0, 30_000 / max(len(coords), 1)))
    if labels is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=size, c="#4c72b0", alpha=0.6, linewidths=0)
    else:
        names = np.asarray(["(none)" if v is None else str(v) for v in labels])
        uniques, counts = np.unique(names, return_counts=True)
        order = uniques[np.argsort(-counts)]
        cmap = colormaps["tab20" if len(order) > 10 else "tab10"]
        for i, label in enumerate(order):
            mask = names == label
            shown = f"{label} ({mask.sum():,})" if i < max_legend else None
            ax.scatter(
                coords[mask, 0],
                coords[mask, 1],
                s=size,
                alpha=0.6,
                linewidths=0,
                color=cmap(i % cmap.N),
                label=shown,
            )
        ax.legend(markerscale=max(1.0, 6 / size), loc="best", fontsize=9, frameon=True)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path)
    return path
