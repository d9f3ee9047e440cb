"""Ingest reads files in batches: the same table as a file read whole, errors that name the
line in any batch, and a failed ingest that leaves the stored dataset as it was."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from embedlab.errors import InvalidInputError
from embedlab.io.batches import iter_frames
from embedlab.io.items import prepare_items
from embedlab.io.readers import read_source
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace

CSV = (
    "id,text,label,score,code,mixed,a.b\n"
    '1,hello,x,1.5,007,1,p\n2,,y,NA,8,two,q\n3,"multi\nline",x,3,9,3,\n\n4,world,z,,10,,r\n'
    "5,again,x,2,11,5,s\n"
)
FILES = {
    "a.csv": CSV,
    "b.tsv": "text\tn.a\tn_a\n a \t1\t2\nb\t\t3\nc\t2\tnull\n",
    "c.jsonl": '{"id": 5, "text": "a", "v": 1}\n\n{"id": 6, "text": "b", "v": null, "w": "x"}\n'
    '{"id": 7, "text": " ", "v": 2.5}\n{"id": 8, "text": "d", "v": 3}\n',
    "d.txt": "one\n\ntwo\r\nthree\n   \nfour",
    "e.csv": "\ufeffkey,text,id\nk1,a,1\nk2,b,2\nk3,,3\n",
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "f.csv.gz").write_bytes(gzip.compress(CSV.encode()))
    frame = pd.DataFrame({"id": list("abc"), "text": ["x", None, "z"], "n": [1, 2, None]})
    frame.to_parquet(tmp_path / "g.parquet")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("a.csv", {}),
        ("a.csv", {"id": "@row"}),
        ("b.tsv", {}),
        ("c.jsonl", {}),
        ("d.txt", {}),
        ("e.csv", {"id": "key"}),
        ("f.csv.gz", {}),
        ("g.parquet", {}),
    ],
)
def test_batches_give_the_table_of_the_file_read_whole(
    ws: Workspace, files: Path, name: str, options: dict[str, str]
) -> None:
    whole = prepare_items(read_source(files / name), f"'{files / name}'", **options)
    report = ingest(ws, "d", files / name, batch_rows=2, **options)
    stored = ws.dataset("d")
    assert stored.to_arrow().equals(whole.table)
    assert {k: stored.meta[k] for k in whole.meta("x") if k != "source"} == {
        k: v for k, v in whole.meta("x").items() if k != "source"
    }
    assert report.skipped_lines == whole.skipped_lines


def test_a_file_in_several_batches_keeps_lines_and_numbering(files: Path) -> None:
    frames = list(iter_frames(files / "a.csv", batch_rows=2))
    assert [len(f) for f in frames] == [2, 2, 1]
    assert [f.index.tolist() for f in frames] == [[2, 3], [4, 7], [8]]
    report = ingest(Workspace(files / "ws"), "d", files / "a.csv", batch_rows=1, id="@row")
    assert Workspace(files / "ws").dataset("d").ids() == ["0", "2", "3", "4"]
    assert report.skipped_lines == [3]


def test_limit_samples_the_rows_a_whole_read_would(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("text\n" + "".join(f"t{i}\n" for i in range(50)), encoding="utf-8")
    ingest(ws, "d", path, limit=7, batch_rows=4)
    expected = read_source(path).sample(n=7, random_state=0).sort_index()
    assert ws.dataset("d").column("text") == expected["text"].tolist()
    assert ws.dataset("d").ids() == [str(i) for i in range(7)]


def _keeps_the_old_dataset(ws: Workspace, path: Path, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        ingest(ws, "d", path, batch_rows=2)
    assert ws.dataset("d").column("text") == ["kept"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id,text\na,x\nb,y\nc,z\nd\n", r"Missing field\(s\) in .* at line 5"),
        ("id,text\na,x\nb,y\nc,z\na,w\n", r"'a' \(lines 2, 5\)"),
        ("id,text\na,x\nb,y\nc,z\n,w\n", r"empty in 1 row\(s\): lines 5"),
        ("text\n\n\n   \n", "every text in column 'text' is empty"),
    ],
)
def test_an_error_in_a_later_batch_names_its_line_and_writes_nothing(
    ws: Workspace, tmp_path: Path, text: str, match: str
) -> None:
    (tmp_path / "old.txt").write_text("kept\n", encoding="utf-8")
    ingest(ws, "d", tmp_path / "old.txt")
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    _keeps_the_old_dataset(ws, path, match)


def test_bad_bytes_and_bad_json_in_a_later_batch_name_the_line(
    ws: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "old.txt").write_text("kept\n", encoding="utf-8")
    ingest(ws, "d", tmp_path / "old.txt")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"one\ntwo\nthree\ncaf\xe9\n")
    _keeps_the_old_dataset(ws, latin, r"byte b'\\xe9' at line 4, column 4 \(byte offset 17\)")
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "c"}\n{"text": \n', "utf-8")
    _keeps_the_old_dataset(ws, jsonl, "as JSONL at line 4")
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(gzip.compress(b"text\n" + b"abc\n" * 1000)[:-20])
    _keeps_the_old_dataset(ws, truncated, r"Cannot decompress .*\(\.gz\)")
