"""Malformed files an outside tester plants: each is refused by both readers (the whole-file
`read_source` and the streaming `iter_frames` that `ingest` uses) with the file, the line and
what was expected, and a failed ingest leaves the stored dataset as it was."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from embedlab.errors import InvalidInputError
from embedlab.io.batches import iter_frames
from embedlab.io.items import prepare_items
from embedlab.io.readers import read_source
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace

Reader = Callable[[Path], list[pd.DataFrame]]
READERS: dict[str, Reader] = {
    "whole": lambda path: [read_source(path)],
    "streamed": lambda path: list(iter_frames(path, batch_rows=2)),
}


@pytest.fixture(params=sorted(READERS))
def read(request: pytest.FixtureRequest) -> Reader:
    return READERS[request.param]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("objects.jsonl", '{"id": "a"}\n[1, 2]\n', r"line 2: expected one JSON object .*array"),
        ("numbers.jsonl", "1\n2\n", r"line 1: expected one JSON object .*number: '1'"),
        ("strings.jsonl", '{"id": "a"}\n"b"\n', r"line 2: .*JSON string"),
        ("array.json", '[{"id": "a"}, 3]', r"element 2 of its JSON array is a JSON number"),
        ("broken.jsonl", '{"id": "a"}\n{"id": "b",\n', r"as JSONL at line 2: Expecting"),
    ],
)
def test_json_that_is_not_one_object_per_item_names_the_line(
    tmp_path: Path, read: Reader, name: str, content: str, match: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=match):
        read(path)


def test_an_unclosed_quote_is_refused_not_swallowing_the_rest_of_the_file(
    tmp_path: Path, read: Reader
) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('id,text\na,"never closed\nb,bye\nc,more\n', encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match=r"Unclosed quote .* starts on line 2 .*end of the file \(line 4\)"
    ):
        read(path)
    # with three columns the runaway cell also leaves the record short: the quote is named
    path.write_text('id,text,label\na,"never closed,x\nb,bye,y\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"Unclosed quote .* line 2"):
        read(path)


def test_closed_multiline_and_inner_quotes_still_read(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "fine.csv"
    path.write_text('id,text\na,"two\nlines"\nb,"say ""hi"""\nc,5" screen\n', encoding="utf-8")
    frame = pd.concat(read(path))
    assert frame["text"].tolist() == ["two\nlines", 'say "hi"', '5" screen']
    assert frame.index.tolist() == [2, 4, 5]


@pytest.mark.parametrize("header", ["id,text,text", "id,id,text"])
def test_a_header_naming_a_column_twice_is_refused(
    tmp_path: Path, read: Reader, header: str
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(f"{header}\na,b,c\n", encoding="utf-8")
    repeated = header.split(",")[1]
    with pytest.raises(InvalidInputError, match=rf"names column '{repeated}' twice \(columns"):
        read(path)


def test_a_header_without_rows_says_so(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("id,label\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"header \(columns id, label\) but no data rows"):
        prepare_items(read_source(path), f"'{path}'")
    path.write_text("id,text,label\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"text.*empty.*but no data rows"):
        prepare_items(read_source(path), f"'{path}'")


def test_a_refused_file_leaves_the_stored_dataset(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    good = tmp_path / "good.csv"
    good.write_text("id,text\na,kept\n", encoding="utf-8")
    ingest(ws, "d", good)
    for content in ('id,text\nb,"open\n', "id,id\nb,c\n"):
        bad = tmp_path / "bad.csv"
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(InvalidInputError):
            ingest(ws, "d", bad)
    assert ws.dataset("d").column("text") == ["kept"]


def test_one_column_in_two_roles_is_refused() -> None:
    from embedlab.io.interactions import InteractionColumns
    from embedlab.pipeline.ingest import parse_edge_columns

    with pytest.raises(InvalidInputError, match="'source' as both SOURCE and TARGET"):
        parse_edge_columns("source,source")
    with pytest.raises(InvalidInputError, match="names column 'user' twice"):
        InteractionColumns.parse("user,user,rating")
    with pytest.raises(InvalidInputError, match="--timestamp 'rating' is also one of"):
        InteractionColumns.parse("user,item,rating", timestamp="rating")
    assert InteractionColumns.parse("u,i,r", timestamp="t").timestamp == "t"


def test_replacing_a_dataset_says_which_spaces_went_with_it(run, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id,text\na,one text\nb,another text\nc,third text\n", encoding="utf-8")
    second.write_text("id,text\nx,new rows\ny,other rows\n", encoding="utf-8")
    assert run("ingest", "d", str(first))[0] == 0
    assert run("embed", "d", "--method", "tfidf-svd", "--param", "min_df=1")[0] == 0
    code, out, err = run("ingest", "d", str(second), "--json")
    assert code == 0 and "its spaces tfidf-svd and what was computed" in " ".join(err.split())
    assert json.loads(out)["replaced_spaces"] == ["tfidf-svd"]
    code, _, err = run("ingest", "fresh", str(second))
    assert code == 0 and "Replaced" not in err


def test_ingesting_the_same_file_again_keeps_the_dataset_and_its_spaces(
    run, tmp_path: Path
) -> None:
    """Running the same ingest twice must not lose what was computed: nothing is written, the
    spaces stay. Other options, other bytes, an append since, or --force read it again."""
    source = tmp_path / "a.csv"
    source.write_text("id,text\na,one text\nb,another text\nc,third text\n", encoding="utf-8")
    assert run("ingest", "d", str(source), "--text", "text")[0] == 0
    assert run("embed", "d", "--method", "tfidf-svd", "--param", "min_df=1")[0] == 0
    code, out, err = run("ingest", "d", str(source), "--text", "text", "--json")
    said = " ".join(err.split())
    assert code == 0 and "already holds this source unchanged" in said, err
    assert "kept with its spaces tfidf-svd" in said
    report = json.loads(out)
    assert report["unchanged"] is True and report["replaced_spaces"] == []
    assert report["n_items"] == 3
    code, out, err = run("ingest", "d", str(source), "--text", "text", "--force", "--json")
    assert code == 0 and json.loads(out)["replaced_spaces"] == ["tfidf-svd"]
    assert run("embed", "d", "--method", "tfidf-svd", "--param", "min_df=1")[0] == 0
    code, out, _ = run("ingest", "d", str(source), "--json")  # another option: --text not given
    assert code == 0 and json.loads(out)["replaced_spaces"] == ["tfidf-svd"]
    source.write_text("id,text\na,one text\nb,another text\nc,changed text\n", encoding="utf-8")
    assert run("embed", "d", "--method", "tfidf-svd", "--param", "min_df=1")[0] == 0
    code, out, _ = run("ingest", "d", str(source), "--json")  # other bytes, same size
    assert code == 0 and json.loads(out)["unchanged"] is False


def test_a_dataset_grown_since_is_read_again(run, tmp_path: Path) -> None:
    source, more = tmp_path / "a.csv", tmp_path / "more.csv"
    source.write_text("id,text\na,one text\nb,another text\n", encoding="utf-8")
    more.write_text("id,text\nc,third text\n", encoding="utf-8")
    assert run("ingest", "d", str(source))[0] == 0
    assert run("ingest", "d", str(more), "--append")[0] == 0
    code, out, _ = run("ingest", "d", str(source), "--json")
    assert code == 0 and json.loads(out)["unchanged"] is False and json.loads(out)["n_items"] == 2
    code, _, err = run("ingest", "d", str(more), "--append", "--force")
    assert code == 2 and "--force" in err


def test_an_image_folder_listing_is_its_fingerprint(tmp_path: Path) -> None:
    from embedlab.io.fingerprint import source_fingerprint

    folder = tmp_path / "images" / "cats"
    folder.mkdir(parents=True)
    (folder / "a.png").write_bytes(b"x" * 10)
    first = source_fingerprint(str(tmp_path / "images"))
    assert first is not None and first == source_fingerprint(str(tmp_path / "images"))
    (folder / "b.png").write_bytes(b"y")
    assert source_fingerprint(str(tmp_path / "images")) != first
    assert source_fingerprint(str(tmp_path / "missing")) is None
    second = source_fingerprint(str(tmp_path / "images"))
    stamp = (folder / "a.png").stat()
    (folder / "a.png").write_bytes(b"z" * 10)  # rewritten in place, its mtime put back
    os.utime(folder / "a.png", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert source_fingerprint(str(tmp_path / "images")) != second
    (folder / "broken.png").symlink_to(tmp_path / "nowhere")  # the image reader skips it
    assert source_fingerprint(str(tmp_path / "images")) is not None
