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


def test_one_audit_of_a_text_dataset_with_options(run, topics_csv: Path, tmp_path: Path) -> None:
    """Vector, label and text checks in one run, one CSV with the signal of every flag, and
    every option given on the command line recorded in the run's params."""
    import json

    from embedlab.store.workspace import Workspace

    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc", "--label", "topic")
    run("embed", "t", "--method", "tfidf-svd", "--param", "min_df=1", "--param", "n_components=4")
    export = tmp_path / "issues.csv"
    args = ("quality", "t", "tfidf-svd", "-k", "5", "--export", str(export), "--json")
    code, out, err = run(*args, "--param", "outlier.fence=2.5", "--param", "short_text.min_chars=9")
    assert code == 0, err
    report = json.loads(out)
    assert {"outlier", "label_issue", "empty_text", "encoding_damage"} <= set(report["checks"])
    assert "dark" not in report["checks"]  # no images
    assert report["checks"]["outlier"]["params"]["fence"] == 2.5
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "issue", "score", "given", "suggestion", "signal", "group"]
    assert all(r["signal"] for r in rows)
    quality_runs = [r for r in Workspace(tmp_path / "ws").manifest.runs("t") if r.kind == "quality"]
    params = quality_runs[-1].params
    assert params["k"] == 5 and params["options"]["short_text"] == {"min_chars": 9}
    assert params["checks"]["outlier"]["fence"] == 2.5
    assert params["checks"]["short_text"]["min_chars"] == 9
    code, _, err = run("quality", "t", "tfidf-svd", "--param", "outlier.fense=2")
    assert_clear_error(code, err, "no option 'fense'", "fence")
