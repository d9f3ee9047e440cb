"""The correction loop: `quality --export`, fix the labels, `correct`, `quality` again. The next
run audits the corrected labels (the given ones stay) and says which earlier issues are
resolved; bad correction files are refused whole, naming the line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from tests.test_cli import assert_clear_error


@pytest.fixture
def flipped_digits(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """sklearn's digits as a numeric table with 40 labels flipped: (file, id -> true label)."""
    digits = load_digits()
    rng = np.random.default_rng(0)
    labels = digits.target.astype(str)
    given = labels.copy()
    flipped = rng.choice(len(labels), size=40, replace=False)
    given[flipped] = [str((int(v) + 3) % 10) for v in labels[flipped]]
    frame = pd.DataFrame(digits.data, columns=[f"p{i}" for i in range(64)])
    frame.insert(0, "id", [f"d{i}" for i in range(len(frame))])
    frame["digit"] = given
    path = tmp_path / "digits.csv"
    frame.to_csv(path, index=False)
    return path, dict(zip(frame["id"], labels, strict=True))


def test_corrections_from_the_export_resolve_label_issues(run, flipped_digits, tmp_path) -> None:
    path, truth = flipped_digits
    assert run("ingest", "d", str(path), "--id", "id", "--label", "digit")[0] == 0
    assert run("embed", "d", "--method", "pca", "--param", "n_components=20")[0] == 0
    export = tmp_path / "issues.csv"
    code, out, err = run("quality", "d", "pca", "--json", "--export", str(export))
    assert code == 0, err
    first = json.loads(out)
    assert first["recheck"] == {} and first["corrections_applied"] == 0
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    label_rows = [r for r in rows if r["issue"] == "label_issue"]
    assert len(label_rows) >= 20
    # a person keeps the suggestions that are right and leaves the others empty
    for r in rows:
        if r["issue"] == "label_issue" and r["suggestion"] != truth[r["id"]]:
            r["suggestion"] = ""
    kept = sum(1 for r in label_rows if r["suggestion"])
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = run("correct", "d", str(export), "--json")
    assert code == 0, err
    recorded = json.loads(out)
    assert recorded["recorded"] == kept and recorded["skipped"]["empty label"] > 0
    code, out, err = run("quality", "d", "pca", "--json")
    assert code == 0, err
    second = json.loads(out)
    assert second["corrections_applied"] == kept
    again = second["recheck"]["label_issue"]
    assert again["resolved"] >= 0.8 * kept, again  # corrected items are no longer flagged
    assert again["resolved"] + again["remaining"] == first["checks"]["label_issue"]["flagged"]
    assert second["checks"]["label_issue"]["flagged"] < first["checks"]["label_issue"]["flagged"]
    code, out, _ = run("quality", "d", "pca")
    assert code == 0 and "Audited with" in out and "Since the last run" in out
    from embedlab.store.workspace import Workspace

    given = Workspace(run.workspace).dataset("d").labels()  # the given labels are untouched
    assert sum(g != truth[f"d{i}"] for i, g in enumerate(given)) == 40


def test_bad_correction_files_record_nothing(run, flipped_digits, tmp_path) -> None:
    path, _ = flipped_digits
    run("ingest", "d", str(path), "--id", "id", "--label", "digit")
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("item,label\nd1,3\n")
    assert_clear_error(*run("correct", "d", str(no_id))[::2], "no_id.csv", "no 'id' column")
    no_label = tmp_path / "no_label.csv"
    no_label.write_text("id,note\nd1,x\n")
    assert_clear_error(*run("correct", "d", str(no_label))[::2], "no label column")
    twice = tmp_path / "twice.csv"
    twice.write_text("id,label\nd1,3\nd2,4\nd1,5\n")
    assert_clear_error(*run("correct", "d", str(twice))[::2], "line 2", "line 4", "'d1'")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,label\nd1,3\nnope,4\n")
    assert_clear_error(*run("correct", "d", str(unknown))[::2], "'nope'", "Nothing was recorded")
    empty = tmp_path / "empty.csv"
    empty.write_text("id,label\nd1,\n")
    assert_clear_error(*run("correct", "d", str(empty))[::2], "no correction", "1 empty label")
    from embedlab.pipeline.annotate import label_corrections
    from embedlab.store.workspace import Workspace

    assert label_corrections(Workspace(run.workspace), "d") == {}


def test_a_corrected_label_no_item_had_is_pointed_out(run, topics_csv: Path, tmp_path) -> None:
    assert (
        run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc", "--label", "topic")[0]
        == 0
    )
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("id,label\nfood-1,sprot\nfood-2,sport\n", encoding="utf-8")
    code, out, err = run("correct", "t", str(fixes), "--json")
    assert code == 0, err
    assert json.loads(out) == {"recorded": 2, "skipped": {}, "new_labels": ["sprot"]}
    assert "1 corrected label(s) no item of 't' had before start new classes: 'sprot'" in " ".join(
        err.split()
    )
    fixes.write_text("id,label\nfood-3,space\n", encoding="utf-8")
    code, _, err = run("correct", "t", str(fixes))
    assert code == 0 and "new classes" not in err
