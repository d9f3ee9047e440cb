"""`quality --export` writes formulas as text; `export` into a file that is no folder says so."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.pipeline.test_csv_exports import formula_csv
from tests.test_cli import assert_clear_error


def test_quality_export_neutralises_formulas(run, tmp_path: Path) -> None:
    run(
        "ingest",
        "f",
        str(formula_csv(tmp_path)),
        "--text",
        "body",
        "--id",
        "doc",
        "--label",
        "topic",
    )
    run("embed", "f", "--method", "tfidf-svd", "--param", "min_df=1", "--param", "n_components=4")
    export = tmp_path / "issues.csv"
    code, _, err = run("quality", "f", "tfidf-svd", "--export", str(export), "--json")
    assert code == 0, err
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "some issues are flagged"
    assert all(not r["id"].startswith(("=", "+", "-", "@")) for r in rows)
    assert all(r["given"].startswith("'-") for r in rows if r["given"])
    assert all(float(r["score"]) >= 0 for r in rows)  # numbers stay numbers


def test_export_into_a_file_instead_of_a_folder(run, topics_csv: Path, tmp_path: Path) -> None:
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    run("embed", "t", "--method", "tfidf-svd", "--param", "min_df=1", "--param", "n_components=4")
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    code, _, err = run("export", "t", "tfidf-svd", str(blocker / "v.npy"))
    assert_clear_error(code, err, "Cannot write", "v.npy")
