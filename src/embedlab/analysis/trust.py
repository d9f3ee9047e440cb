"""How far a map can be believed: per item, the share of its k nearest neighbours in the full
space (the stored neighbour graph) that are still among its k nearest neighbours on the 2-D
(or 3-D) map, and one number per map, the mean.

The map's neighbours come from an exact k-d tree query (scipy's cKDTree) on the coordinates, so
1,000,000 points take a few seconds; dropping each point itself (exact_search.drop_self) and
counting the overlap are numba loops over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.analysis.exact_search import drop_self
from embedlab.analysis.neighbors import NeighborGraph, count_shared
from embedlab.errors import InvalidInputError


@dataclass
class MapTrust:
    """`trust[i]`: the share of item i's k space neighbours that are map neighbours too."""

    trust: np.ndarray  # float32 in [0, 1], one per item
    k: int
    summary: dict[str, Any] = field(default_factory=dict)


def map_neighbours(coords: np.ndarray, k: int, workers: int = -1) -> np.ndarray:
    """Each point's k nearest other points on the map (exact, Euclidean), nearest first."""
    from scipy.spatial import cKDTree

    tree = cKDTree(coords)
    distances, found = tree.query(coords, k=k + 1, workers=workers)
    return drop_self(found, distances, k)[0]


def map_trust(coords: np.ndarray, graph: NeighborGraph, k: int = 15) -> MapTrust:
    """Per item, the share of its `k` nearest neighbours in the space (`graph`) that are among
    its `k` nearest on the map (`coords`, one row per item in the graph's order)."""
    coords = np.ascontiguousarray(coords, dtype=np.float64)
    n = graph.indices.shape[0]
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or len(coords) != n:
        raise InvalidInputError(
            f"The map must hold 2-D or 3-D coordinates of the graph's {n} items. "
            f"Got shape {coords.shape} instead."
        )
    if not np.isfinite(coords).all():
        raise InvalidInputError("The map's coordinates must be finite. Got NaN or inf instead.")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= graph.k:
        raise InvalidInputError(
            f"The 'k' parameter of map_trust must be an int in [1, {graph.k}] (the graph's "
            f"neighbours). Got {k!r} instead."
        )
    if n <= k:
        raise InvalidInputError(f"A map needs more than k={k} items for trust. Got {n}.")
    on_map = map_neighbours(coords, int(k))
    shared = count_shared(on_map, graph.indices[:, :k].astype(np.int64))
    trust = (shared / k).astype(np.float32)
    summary = {
        "mean_trust": round(float(trust.mean()), 6),
        "median_trust": round(float(np.median(trust)), 6),
        "no_neighbour_kept": int((shared == 0).sum()),
        "random_map_trust": round(k / (n - 1), 6),  # what a shuffled map would score
    }
    return MapTrust(trust=trust, k=int(k), summary=summary)
