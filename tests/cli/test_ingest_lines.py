"""Bad rows of line-oriented files are named by their 1-based file line (a CSV header is line 1),
the line a person finds in an editor; nothing is written."""

from __future__ import annotations

from pathlib import Path

from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error, assert_unchanged


def test_csv_row_with_a_missing_field(run, topics_csv: Path, tmp_path: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    path = tmp_path / "short.csv"
    path.write_text("doc,body,topic\na,one,x\nb,two\nc,three,z\n", encoding="utf-8")
    code, _, err = run("ingest", "d", str(path), "--text", "body", "--id", "doc")
    assert_clear_error(code, err, "short.csv' at line 3", "expected 3 fields", "got 2")
    assert_unchanged(run)


def test_empty_and_jsonl_duplicate_ids_name_file_lines(
    run, topics_csv: Path, tmp_path: Path
) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    empty = tmp_path / "empty-id.csv"
    empty.write_text("doc,body\nx,a\n,b\n\n  ,c\n", encoding="utf-8")
    code, _, err = run("ingest", "d", str(empty), "--text", "body", "--id", "doc")
    assert_clear_error(code, err, "empty in 2 row(s): lines 3, 5")
    jsonl = tmp_path / "dupes.jsonl"
    jsonl.write_text('{"doc": "x", "body": "a"}\n\n{"doc": "x", "body": "b"}\n', "utf-8")
    code, _, err = run("ingest", "d", str(jsonl), "--text", "body", "--id", "doc")
    assert_clear_error(code, err, "'x' (lines 1, 3)")
    assert_unchanged(run)


def test_skipped_empty_texts_name_file_lines(run, tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_text("hello\n\nworld\n   \n", encoding="utf-8")
    code, out, err = run("ingest", "t", str(path))
    assert code == 0, err
    assert "Skipped 2 row(s) with empty text (lines 2, 4)" in " ".join(out.split())
    assert len(Workspace(run.workspace).dataset("t")) == 2
