"""`cluster` and `compare`: the HTTP API's operations on the command line, stored the same way."""

from __future__ import annotations

import json
from pathlib import Path

from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error


def two_spaces(run, topics_csv: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc", "--label", "topic")
    for dim in ("4", "8"):
        code, _, err = run(
            "embed",
            "t",
            "--method",
            "tfidf-svd",
            "--space",
            f"svd{dim}",
            "--param",
            f"n_components={dim}",
            "--param",
            "min_df=1",
        )
        assert code == 0, err


def test_cluster_json_and_human(run, topics_csv: Path) -> None:
    two_spaces(run, topics_csv)
    code, out, err = run("cluster", "t", "svd4", "-k", "3", "--seed", "1", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["n_clusters"] == 3 and sum(result["sizes"]) == 30
    assert result["field"] == "clusters-svd4:cluster"
    stored = Workspace(run.workspace).manifest.runs("t")
    assert [r.kind for r in stored].count("cluster") == 1
    code, out, err = run("cluster", "t", "svd4")
    assert code == 0, err
    assert "clusters of 'svd4'" in out and "clusters-svd4:cluster" in out


def test_cluster_bad_k(run, topics_csv: Path) -> None:
    two_spaces(run, topics_csv)
    code, _, err = run("cluster", "t", "svd4", "-k", "1")
    assert_clear_error(code, err, "'-k'", "expected an int >= 2; got 1")
    code, _, err = run("cluster", "t", "svd4", "-k", "31")
    assert_clear_error(code, err, "'n_clusters' parameter must be an int in [2, 30]")
    code, _, err = run("cluster", "t", "svd4", "--seed", "-1")
    assert_clear_error(code, err, "'--seed'", "expected an int in [0, 4294967295]; got -1")
    assert "cluster" not in [r.kind for r in Workspace(run.workspace).manifest.runs("t")]


def test_compare_json_and_human(run, topics_csv: Path) -> None:
    two_spaces(run, topics_csv)
    code, out, err = run("compare", "t", "svd4", "svd8", "-k", "5", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["spaces"] == ["svd4", "svd8"] and result["k"] == 5
    assert (
        0 <= result["mean_jaccard"] <= 1 and result["field"] == "compare-svd4-svd8:agreement_score"
    )
    code, out, err = run("compare", "t", "svd4", "svd8")
    assert code == 0, err
    assert "Neighbour agreement of 'svd4' and 'svd8' (k=10)" in " ".join(out.split())
    code, _, err = run("compare", "t", "svd4", "svd8", "-k", "0")
    assert_clear_error(code, err, "'-k'", "expected an int in [1, 100]; got 0")
    code, _, err = run("compare", "t", "svd4", "svd9")
    assert_clear_error(code, err, "svd9")


def test_compare_refuses_k_that_makes_every_item_a_neighbour(run, topics_csv: Path) -> None:
    """With k = n - 1 any two spaces agree on every item: a Jaccard of 1.0 that means nothing."""
    two_spaces(run, topics_csv)
    n = len(Workspace(run.workspace).dataset("t"))
    code, _, err = run("compare", "t", "svd4", "svd8", "-k", str(n - 1))
    assert_clear_error(code, err, f"{n} items", "every other item", f"at most {n - 2}")
    assert run("compare", "t", "svd4", "svd8", "-k", str(n - 2))[0] == 0
