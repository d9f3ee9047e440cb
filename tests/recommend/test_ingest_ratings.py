"""Ratings tables: read, merged, stored as two datasets + interactions; each bad input refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.interactions import InteractionColumns
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.interactions import InteractionOptions, read_stored
from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

RATINGS = """user,item,stars,ts
u1,a,5,10
u1,b,3,11
u2,a,4,12
u2,c,2,13
u1,a,1,9
u3,b,4,14
"""
ITEMS = """item,title,genre
a,Alpha,drama
b,Beta,comedy
c,Gamma,drama
d,Delta,horror
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def options(spec: str = "user,item,stars", ts: str | None = "ts", items: Path | None = None):
    return InteractionOptions(InteractionColumns.parse(spec, ts), items)


def test_two_datasets_and_stored_interactions(ws: Workspace, tmp_path: Path) -> None:
    ratings, items = write(tmp_path, "r.csv", RATINGS), write(tmp_path, "items.csv", ITEMS)
    report = ingest(
        ws,
        "films",
        ratings,
        id="item",
        text="title",
        label="genre",
        interactions=options(items=items),
    )
    stats = report.interactions
    assert stats is not None
    assert (stats["n_users"], stats["n_items"], stats["n_interactions"]) == (3, 4, 5)
    assert stats["duplicate_pairs"] == 1 and "last rating wins" in stats["duplicate_rule"]
    assert stats["items_without_interactions"] == 1  # Delta
    films, users = ws.dataset("films"), ws.dataset("films-users")
    assert films.ids() == ["a", "b", "c", "d"] and films.text_column == "title"
    assert users.ids() == ["u1", "u2", "u3"]
    assert films.column("n_interactions") == [2, 2, 1, 0]
    stored = read_stored(ws, films)
    # (u1, a): rated 1 at ts 9 and 5 at ts 10: the later one wins although it comes first
    pair = (stored.user_rows == 0) & (stored.item_rows == 0)
    assert stored.values[pair].tolist() == [5.0]
    entry = ws.result("interactions", "films", "films")
    assert entry is not None
    assert set(entry.meta["inputs"]) == {"dataset:films:films", "dataset:films-users:films-users"}


def test_without_ratings_duplicates_are_counted(ws: Workspace, tmp_path: Path) -> None:
    plays = write(tmp_path, "plays.tsv", "who\twhat\nx\tsong1\nx\tsong1\ny\tsong2\nx\tsong1\n")
    report = ingest(ws, "music", plays, interactions=options("who,what", None))
    assert report.interactions is not None and report.interactions["duplicate_pairs"] == 2
    stored = read_stored(ws, ws.dataset("music"))
    assert sorted(stored.values.tolist()) == [1.0, 3.0] and stored.timestamps is None


@pytest.mark.parametrize(
    ("text", "spec", "error", "fragments"),
    [
        ("user,item\nu1,a\n", "user,item,stars", NotFoundError, ["Column 'stars'", "user, item"]),
        (
            "user,item,stars\nu1,a,5\nu2,b,five\n",
            "user,item,stars",
            InvalidInputError,
            ["line 3 of", "'five'", "not a number"],
        ),
        ("user,item,stars\nu1,a,\n", "user,item,stars", InvalidInputError, ["line 2", "rating"]),
        ("user,item,stars\n", "user,item,stars", InvalidInputError, ["no interactions"]),
        ("", "user,item,stars", InvalidInputError, ["is empty"]),
        (
            "user,item,stars\nu1,,4\n",
            "user,item,stars",
            InvalidInputError,
            ["item in column 'item' is empty at line 2"],
        ),
    ],
)
def test_bad_ratings_files_name_the_line(
    ws: Workspace, tmp_path: Path, text: str, spec: str, error: type, fragments: list[str]
) -> None:
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(error) as info:
        ingest(ws, "bad", path, interactions=options(spec, None))
    for fragment in fragments:
        assert fragment in str(info.value)
    assert "bad.csv" in str(info.value)
    assert not ws.has_dataset("bad") and not ws.has_dataset("bad-users")


def test_unknown_item_with_items_file_names_the_line(ws: Workspace, tmp_path: Path) -> None:
    ratings = write(tmp_path, "r.csv", RATINGS + "u4,zz,3,20\n")
    items = write(tmp_path, "items.csv", ITEMS)
    with pytest.raises(InvalidInputError, match=r"line 8 of .*r.csv.* names item 'zz'.*items.csv"):
        ingest(ws, "films", ratings, id="item", interactions=options(items=items))


def test_bad_timestamp_and_bad_option(ws: Workspace, tmp_path: Path) -> None:
    ratings = write(tmp_path, "r.csv", "user,item,stars,ts\nu1,a,5,yesterday-ish\n")
    with pytest.raises(InvalidInputError, match="timestamp in column 'ts' at line 2"):
        ingest(ws, "films", ratings, interactions=options())
    with pytest.raises(InvalidInputError, match="USER,ITEM or USER,ITEM,RATING"):
        InteractionColumns.parse("user")
    with pytest.raises(InvalidInputError, match="'digits' has no ratings"):
        ingest(ws, "films", "sandbox:digits", interactions=options())


def test_cli_ingest_ratings_and_exit_codes(run, tmp_path: Path) -> None:
    ratings, items = write(tmp_path, "r.csv", RATINGS), write(tmp_path, "items.csv", ITEMS)
    code, out, err = run(
        "ingest",
        "films",
        str(ratings),
        "--interactions",
        "user,item,stars",
        "--timestamp",
        "ts",
        "--items",
        str(items),
        "--id",
        "item",
        "--text",
        "title",
        "--label",
        "genre",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["interactions"]["n_interactions"] == 5
    code, out, err = run("ingest", "films", str(ratings), "--interactions", "user,item,stars")
    assert code == 0 and "1 duplicate (user, item) pair(s) merged" in out
    bad = write(tmp_path, "bad.csv", "user,item,stars\nu1,a,x\n")
    code, _, err = run("ingest", "bad", str(bad), "--interactions", "user,item,stars")
    assert_clear_error(code, err, "line 2 of", "bad.csv", "not a number")
    code, _, err = run("ingest", "bad", str(bad), "--timestamp", "ts")
    assert_clear_error(code, err, "--interactions USER,ITEM[,RATING]")
    code, _, err = run("recommend", "films", "als", "--user", "u1")
    assert_clear_error(code, err, "No space 'als'")


def test_small_file_end_to_end_without_timestamps(ws: Workspace, tmp_path: Path) -> None:
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.recommend import evaluate_recommendations, recommend

    ratings = write(tmp_path, "r.csv", RATINGS)
    ingest(ws, "films", ratings, interactions=options(ts=None))
    embed(ws, "films", "svd", params={"factors": 2})
    assert ws.space_names("films-users") == ["svd"]
    picks = recommend(ws, "films", "svd", "u3", k=5).picks
    assert {p.id for p in picks} == {"a", "c"}  # everything u3 has not seen (b)
    report = evaluate_recommendations(ws, "films", seed=1, k=2)  # -k 10 > its 3 items: refused
    assert report.split.startswith("seeded 20% per user") and report.n_test == 2  # u1, u2
    ingest(ws, "films", ratings, interactions=options(ts=None))  # again: both spaces go
    assert ws.space_names("films") == [] and ws.space_names("films-users") == []
