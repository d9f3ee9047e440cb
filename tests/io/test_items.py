"""Ids, empty texts and columns: the checks every ingest goes through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.items import prepare_items


def test_generated_ids_survive_skipped_rows() -> None:
    frame = pd.DataFrame({"text": ["one", "   ", None, "four", np.nan, "six"]})
    items = prepare_items(frame, "src")
    assert items.table.column("id").to_pylist() == ["0", "3", "5"]
    assert items.skipped_empty_text == 3 and items.skipped_rows == [1, 2, 4]


def test_duplicate_ids_are_named_with_rows() -> None:
    frame = pd.DataFrame({"key": ["a", "b", "a", "c", "b"], "text": list("vwxyz")})
    with pytest.raises(
        InvalidInputError, match=r"2 id\(s\) repeat: 'a' \(rows 0, 2\), 'b' \(rows 1, 4\)"
    ):
        prepare_items(frame, "'f.csv'", id="key")


def test_missing_ids_are_named() -> None:
    frame = pd.DataFrame({"key": ["a", None, "c"], "text": list("xyz")})
    with pytest.raises(InvalidInputError, match="empty in 1 row.*rows 1"):
        prepare_items(frame, "src", id="key")


def test_numeric_ids_become_clean_strings() -> None:
    frame = pd.DataFrame({"key": [10.0, 11.0], "text": ["a", "b"]})
    assert prepare_items(frame, "src", id="key").table.column("id").to_pylist() == ["10", "11"]


def test_spaces_around_ids_go_and_then_a_repeat_is_named() -> None:
    """'doc1 ' from a hand-edited file is 'doc1': found by `--id doc1`, and beside a 'doc1'
    a repeat, not a second item that no one can tell apart from the first."""
    frame = pd.DataFrame({"key": ["doc1 ", " doc2", "doc3"], "text": list("xyz")})
    ids = prepare_items(frame, "src", id="key").table.column("id").to_pylist()
    assert ids == ["doc1", "doc2", "doc3"]
    frame = pd.DataFrame({"key": ["a", "b", "a\t"], "text": list("xyz")})
    with pytest.raises(InvalidInputError, match=r"1 id\(s\) repeat: 'a' \(rows 0, 2\)"):
        prepare_items(frame, "src", id="key")


def test_unknown_column_lists_the_columns() -> None:
    frame = pd.DataFrame({"body": ["a"], "topic": ["x"]})
    with pytest.raises(
        NotFoundError, match="Column 'bodyy'.*--text.*body, topic.*Did you mean 'body'"
    ):
        prepare_items(frame, "src", text="bodyy")


def test_all_texts_empty_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="every text"):
        prepare_items(pd.DataFrame({"text": ["", " "]}), "src")


def test_mixed_type_column_is_kept_as_strings() -> None:
    frame = pd.DataFrame({"text": ["a", "b"], "mixed": [1, "two"]})
    table = prepare_items(frame, "src").table
    assert table.column("mixed").to_pylist() == ["1", "two"]


def test_defaults_pick_text_label_id_columns() -> None:
    frame = pd.DataFrame({"id": ["x", "y"], "text": ["a", "b"], "label": ["p", "q"]})
    items = prepare_items(frame, "src")
    assert (items.text_column, items.label_column) == ("text", "label")
    assert items.table.column_names[0] == "id" and items.table.column("id").to_pylist() == [
        "x",
        "y",
    ]


def test_csv_cells_keep_their_text(tmp_path) -> None:
    from embedlab.io.readers import read_source

    path = tmp_path / "tricky.csv"
    path.write_text("code,text,score\n007,NA,1\n7,null,2.5\n08,None,\n", encoding="utf-8")
    items = prepare_items(read_source(path), "src", id="code")
    assert items.table.column("id").to_pylist() == ["007", "7", "08"]
    assert items.table.column("text").to_pylist() == ["NA", "null", "None"]
    assert items.skipped_empty_text == 0
    assert items.table.column("score").to_pylist()[:2] == [1.0, 2.5], "numbers become numbers"
    assert items.table.column("code").to_pylist() == ["007", "7", "08"], "the id column stays text"


def test_id_column_may_also_be_text_or_label_and_an_id_column_is_kept() -> None:
    frame = pd.DataFrame({"id": ["x", "y"], "doc": ["d1", "d2"], "body": ["a", "b"]})
    items = prepare_items(frame, "src", id="doc", text="body", label="doc")
    table = items.table
    assert table.column("id").to_pylist() == ["d1", "d2"]
    assert table.column("doc").to_pylist() == ["d1", "d2"], "the label column survives"
    assert table.column("id_original").to_pylist() == ["x", "y"]
    same = prepare_items(pd.DataFrame({"body": ["a", "b"]}), "src", id="body", text="body")
    assert same.table.column("body").to_pylist() == ["a", "b"]


def test_dotted_column_names_are_renamed_and_reported() -> None:
    items = prepare_items(pd.DataFrame({"a.b": [1, 2], "text": ["x", "y"]}), "src")
    assert "a_b" in items.table.column_names and items.renamed_columns == {"a.b": "a_b"}


def test_blank_ids_are_missing() -> None:
    with pytest.raises(InvalidInputError, match="empty in 1 row"):
        prepare_items(pd.DataFrame({"k": ["a", " "], "text": ["x", "y"]}), "src", id="k")


def test_row_numbers_instead_of_a_bad_id_column() -> None:
    frame = pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]})
    with pytest.raises(InvalidInputError, match="pass --id @row"):
        prepare_items(frame, "src")
    items = prepare_items(frame, "src", id="@row")
    assert items.table.column("id").to_pylist() == ["0", "1"]
    assert items.table.column("id_original").to_pylist() == ["a", "a"]
