"""Every supported file kind reads to the same frame; bad files say where they are bad."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.readers import LINE_INDEX, read_source

ROWS = [
    {"id": "a", "text": "héllo wörld", "n": 1},
    {"id": "b", "text": "second, with comma", "n": 2},
]


def write(path: Path, kind: str) -> Path:
    frame = pd.DataFrame(ROWS)
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif kind == "jsonl":
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8"
        )
    elif kind == "parquet":
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_tabular_kinds_read_alike(tmp_path: Path, kind: str) -> None:
    frame = read_source(write(tmp_path / f"data.{kind}", kind))
    assert frame["text"].tolist() == [r["text"] for r in ROWS]
    assert frame["id"].astype(str).tolist() == ["a", "b"]


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_compressed_csv(tmp_path: Path, suffix: str, compress) -> None:
    plain = write(tmp_path / "data.csv", "csv")
    packed = tmp_path / f"data.csv{suffix}"
    packed.write_bytes(compress(plain.read_bytes()))
    assert read_source(packed)["n"].tolist() == ["1", "2"]  # numbers are typed by prepare_items


def test_txt_is_one_item_per_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("first line\nsecond line\n", encoding="utf-8")
    assert read_source(path)["text"].tolist() == ["first line", "second line"]


def test_not_utf8_names_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,text\n1,fine\n2,caf\xe9 au lait\n")
    with pytest.raises(
        InvalidInputError, match=r"not valid UTF-8: byte b'\\xe9' at line 3, column 6"
    ):
        read_source(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        read_source(tmp_path / "nope.csv")


def test_unknown_kind_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="Expected CSV, TSV, JSONL, Parquet or TXT"):
        read_source(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="is empty"):
        read_source(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(InvalidInputError, match="bad.parquet"):
        read_source(path)


def test_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    assert read_source(path)["text"].tolist() == [r["text"] for r in ROWS]


def test_csv_row_with_a_missing_field_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text('a,b,c\n1,2,3\n"two\nlines",5,6\n\n7,8\n', encoding="utf-8")
    with pytest.raises(InvalidInputError) as error:
        read_source(path)
    message = str(error.value)
    assert "Missing field(s) in" in message and "short.csv' at line 6" in message
    assert "expected 3 fields as in the header (line 1), got 2" in message


def test_csv_row_with_an_extra_field_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "long.tsv"
    path.write_text("a\tb\n1\t2\t3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"Extra field\(s\) in .* at line 2: expected 2"):
        read_source(path)


def test_line_oriented_frames_are_indexed_by_file_line(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('\nid,text\n1,"one\ntwo"\n\n2,three\n', encoding="utf-8")
    jsonl_path = tmp_path / "a.jsonl"
    jsonl_path.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    txt_path = tmp_path / "a.txt"
    txt_path.write_text("x\n\ny\n", encoding="utf-8")
    assert read_source(csv_path).index.tolist() == [3, 6]
    assert read_source(jsonl_path).index.tolist() == [1, 3]
    assert read_source(txt_path).index.tolist() == [1, 2, 3]
    assert read_source(csv_path).index.name == LINE_INDEX
