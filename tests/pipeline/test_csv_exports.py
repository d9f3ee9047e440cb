"""Every CSV embedlab hands out (corrections, selections and tags, quality issues) neutralises
cells that a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from embedlab.pipeline.annotate import correct_labels, corrections_csv, ids_csv, tag_items, tags
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace
from tests.conftest import topic_rows

FORMULA = '=HYPERLINK("http://example.com","click")'


def formula_csv(tmp_path: Path) -> Path:
    """The topics, with ids and labels that start like formulas."""
    path = tmp_path / "formulas.csv"
    rows = topic_rows()
    rows[0]["doc"], rows[1]["doc"], rows[2]["doc"] = FORMULA, "+cmd", "@SUM(1)"
    for row in rows:
        row["topic"] = "-" + row["topic"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_corrections_and_id_lists(ws: Workspace, tmp_path: Path) -> None:
    ingest(ws, "f", formula_csv(tmp_path), text="body", label="topic", id="doc")
    correct_labels(ws, "f", {FORMULA: "=1+1", "+cmd": "sport"})
    rows = parse(corrections_csv(ws, "f"))
    assert rows[0] == ["id", "given", "corrected"]
    assert ["'" + FORMULA, "'-food", "'=1+1"] in rows and ["'+cmd", "'-food", "sport"] in rows
    tag_items(ws, "f", "odd", [FORMULA, "@SUM(1)"])
    assert parse(ids_csv(tags(ws, "f")["odd"])) == [["id"], ["'" + FORMULA], ["'@SUM(1)"]]
