"""A small seeded table shaped like the films sandbox: categories whose effects on the rating
are known, so a test can check what the entity tables learned."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the rating each genre adds: drama and documentary alike, horror and comedy alike, far apart
GENRE_EFFECT = {
    "Drama": 1.0,
    "Documentary": 1.2,
    "War": 0.8,
    "Comedy": -0.6,
    "Horror": -1.0,
    "Thriller": -0.2,
}
MPAA = ["R", "PG", "PG-13", "G", None, None]


def film_table(n: int = 400, seed: int = 0, missing_target: int = 20) -> pd.DataFrame:
    """Columns id, title, genre, studio, mpaa, decade, year, runtime and critic_rating (the
    target, missing for `missing_target` rows); a few studios are rare (fewer than 5 films)."""
    rng = np.random.default_rng(seed)
    genres = rng.choice(list(GENRE_EFFECT), n)
    studios = np.array([f"Studio {i}" for i in rng.zipf(1.6, n).clip(1, 40)])
    studio_effect = {s: rng.normal(0, 0.5) for s in np.unique(studios)}
    year = rng.integers(1940, 2015, n)
    runtime = rng.normal(105, 15, n).round()
    runtime[rng.choice(n, 10, replace=False)] = np.nan
    rating = (
        6.0
        + np.array([GENRE_EFFECT[g] for g in genres])
        + np.array([studio_effect[s] for s in studios])
        + 0.01 * (year - 1980)
        + rng.normal(0, 0.3, n)
    ).round(1)
    frame = pd.DataFrame(
        {
            "id": [f"f{i}" for i in range(n)],
            "title": [f"Film number {i}" for i in range(n)],
            "genre": genres,
            "studio": studios,
            "mpaa": [MPAA[i] for i in rng.integers(0, len(MPAA), n)],
            "decade": [f"{y // 10 * 10}s" for y in year],
            "year": year,
            "runtime": runtime,
            "critic_rating": rating,
        }
    )
    frame.loc[rng.choice(n, missing_target, replace=False), "critic_rating"] = np.nan
    return frame
