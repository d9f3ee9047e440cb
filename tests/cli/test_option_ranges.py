"""Every integer option refuses values outside its range before anything runs: exit code 2, one
paragraph naming the option, the range and the value, and the workspace left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.store.workspace import Workspace
from tests.test_cli import assert_clear_error

BAD = [
    (("neighbors", "t", "svd", "-k", "0"), "'-k'", "expected an int >= 1; got 0"),
    (("neighbors", "t", "svd", "-k", "-1"), "'-k'", "expected an int >= 1; got -1"),
    (("evaluate", "t", "-k", "0"), "'-k'", "expected an int >= 1; got 0"),
    (("search", "t", "svd", "rocket", "-k", "0"), "'-k'", "expected an int >= 1; got 0"),
    (("project", "t", "svd", "--seed", "-1"), "'--seed'", "in [0, 4294967295]; got -1"),
    (("project", "t", "svd", "--dims", "4"), "'--dims'", "expected an int in [2, 3]; got 4"),
    (("embed", "t", "--method", "pca", "--batch-rows", "0"), "'--batch-rows'", ">= 1; got 0"),
    (("ingest", "u", "x.csv", "--limit", "0"), "'--limit'", "expected an int >= 1; got 0"),
    (("autolabel", "t", "svd", "--known", "0"), "'--known'", "expected an int >= 1; got 0"),
    (("analogy", "t", "svd", "a", "b", "c", "-k", "0"), "'-k'", "expected an int >= 1; got 0"),
    (("bias", "t", "svd", "--permutations", "0"), "'--permutations'", ">= 1; got 0"),
    (("serve", "--port", "70000"), "'--port'", "expected an int in [1, 65535]; got 70000"),
    (("demo", "--port", "0"), "'--port'", "expected an int in [1, 65535]; got 0"),
    (("similar", "t", "svd", "a", "-k", "0"), "'-k'", "expected an int >= 1; got 0"),
]


@pytest.fixture
def embedded(run, topics_csv: Path):  # type: ignore[no-untyped-def]
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc", "--label", "topic")
    code, _, err = run(
        "embed", "t", "--method", "tfidf-svd", "--space", "svd", "--param", "min_df=1"
    )
    assert code == 0, err
    return run


@pytest.mark.parametrize(("args", "option", "message"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_out_of_range_integer_options(embedded, args, option: str, message: str) -> None:
    workspace = Workspace(embedded.workspace)
    runs_before = len(workspace.manifest.runs("t"))
    code, out, err = embedded(*args)
    assert_clear_error(code, err, f"Invalid value for {option}", message, f"embedlab {args[0]}")
    assert out == ""
    workspace = Workspace(embedded.workspace)
    assert workspace.dataset_names() == ["t"] and workspace.space_names("t") == ["svd"]
    assert len(workspace.manifest.runs("t")) == runs_before


def test_in_range_values_still_work(embedded) -> None:
    code, out, err = embedded("neighbors", "t", "svd", "-k", "5")
    assert code == 0 and "k=5" in out, err
    code, _, err = embedded("project", "t", "svd", "--method", "pca", "--seed", "4294967295")
    assert code == 0, err


def test_usage_errors_are_one_paragraph(run) -> None:
    code, _, err = run("embed", "only-a-name")
    assert_clear_error(code, err, "Missing option '--method'", "See `embedlab embed --help`")
    code, _, err = run("nosuch")
    assert_clear_error(code, err, "No such command 'nosuch'")
    code, _, err = run("neighbors", "t", "svd", "-k", "many")
    assert_clear_error(code, err, "Invalid value for '-k'", "valid integer")
    assert not Path(run.workspace).exists(), "a usage error creates nothing"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--threshold", "dark=abc"), "--threshold dark=VALUE expects a finite number. Got 'abc'"),
        (("--threshold", "blurry=nan"), "expects a finite number. Got 'nan'"),
        (("--fence", "-1"), "--fence expects a number > 0 (MADs). Got -1.0"),
        (("--fence", "nan"), "--fence expects a number > 0 (MADs). Got nan"),
    ],
)
def test_image_quality_numbers(run, args: tuple[str, ...], message: str) -> None:
    run("ingest", "digits", "sandbox:digits")
    code, out, err = run("image-quality", "digits", *args)
    assert_clear_error(code, err, message)
    assert [r.kind for r in Workspace(run.workspace).manifest.runs("digits")] == ["ingest"]


def test_quality_with_an_unknown_label_exits_2_and_stores_nothing(embedded) -> None:  # type: ignore[no-untyped-def]
    """The label is checked before the neighbour graph is built: no graph, no run."""
    workspace = Workspace(embedded.workspace)
    runs = len(workspace.manifest.runs("t"))
    code, _, err = embedded("quality", "t", "svd", "--label", "nosuch")
    assert code == 2 and "no column 'nosuch'" in err
    reopened = Workspace(embedded.workspace)
    assert reopened.result("neighbors", "t", "svd") is None
    assert len(reopened.manifest.runs("t")) == runs
