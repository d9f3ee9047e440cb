"""The CLI contract: exact command forms, --json on stdout only, and every bad input as one
paragraph on stderr with exit code 2 and the workspace left as it was."""

from __future__ import annotations

import json
from pathlib import Path

from embedlab.store.workspace import Workspace


def assert_clear_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and err.strip().startswith("Error:")
    assert "\n\n" not in err.strip(), "one paragraph"
    flat = " ".join(err.split())
    for fragment in fragments:
        assert fragment in flat, f"{fragment!r} not in {flat!r}"


def test_ingest_embed_search_ls_export_json(run, topics_csv: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "ingest",
        "topics",
        str(topics_csv),
        "--text",
        "body",
        "--label",
        "topic",
        "--id",
        "doc",
        "--json",
    )
    assert code == 0 and json.loads(out)["n_items"] == 30
    code, out, _ = run(
        "embed",
        "topics",
        "--method",
        "tfidf-svd",
        "--param",
        "n_components=4",
        "--param",
        "min_df=1",
        "--json",
    )
    report = json.loads(out)
    assert code == 0 and report["dim"] == 4 and report["params"]["n_components"] == 4
    code, out, _ = run(
        "search", "topics", "tfidf-svd", "rocket orbit satellite", "-k", "3", "--json"
    )
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3 and hits[0]["label"] == "space"
    code, out, _ = run("ls", "--json")
    assert json.loads(out)["datasets"][0]["spaces"] == ["tfidf-svd"]
    code, out, _ = run("ls", "topics", "--json")
    # the search built the space's index once: a run of its own
    assert [r["kind"] for r in json.loads(out)["runs"]] == ["ingest", "embed", "index"]
    code, out, _ = run("project", "topics", "tfidf-svd", "--method", "pca", "--dims", "3", "--json")
    assert code == 0 and json.loads(out)["dims"] == 3
    code, out, _ = run("export", "topics", "tfidf-svd", str(tmp_path / "v.npy"))
    assert code == 0 and (tmp_path / "v.npy").exists()


def test_human_output_is_readable(run, topics_csv: Path) -> None:
    code, out, err = run("ingest", "topics", str(topics_csv), "--text", "body", "--id", "doc")
    assert code == 0 and "30 items" in out
    code, out, _ = run("methods")
    assert "minilm" in out and "tfidf-svd" in out
    code, out, _ = run("datasets")
    assert "rotten-tomatoes" in out and "digits" in out


def test_empty_texts_are_skipped_and_counted(run, tmp_path: Path) -> None:
    path = tmp_path / "some-empty.csv"
    path.write_text("id,text\n1,hello\n2,   \n3,\n4,world\n", encoding="utf-8")
    code, out, _ = run("ingest", "d", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["n_items"] == 2
    assert report["skipped_empty_text"] == 2 and report["skipped_rows"] == [1, 2]
    assert report["skipped_lines"] == [3, 4]  # the file's lines: the header is line 1


def assert_unchanged(run, dataset_items: int = 30) -> None:
    """The dataset ingested before the bad command is there and unchanged, and nothing else."""
    workspace = Workspace(run.workspace)
    assert workspace.dataset_names() == ["d"] and len(workspace.dataset("d")) == dataset_items


def test_missing_file(run, topics_csv: Path, tmp_path: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("ingest", "d", str(tmp_path / "missing.csv"))
    assert_clear_error(code, err, "missing.csv", "does not exist")
    assert_unchanged(run)


def test_unknown_column(run, topics_csv: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("ingest", "d", str(topics_csv), "--text", "bdy")
    assert_clear_error(code, err, "Column 'bdy'", "doc, body, topic")
    assert_unchanged(run)


def test_not_utf8(run, topics_csv: Path, tmp_path: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    path = tmp_path / "latin1.txt"
    path.write_bytes("naïve café\n".encode("latin-1"))
    code, _, err = run("ingest", "d", str(path))
    assert_clear_error(code, err, "latin1.txt", "not valid UTF-8", "line 1")
    assert_unchanged(run)


def test_user_text_is_never_read_as_markup(run, tmp_path: Path) -> None:
    path = tmp_path / "markup.csv"
    path.write_text("text,label,[/c]\n[bold]x[/bold] one,[/y],1\nsecond [red],[b],2\n", "utf-8")
    code, out, err = run("ingest", "m", str(path))
    assert code == 0, err
    assert "[/c]" in out
    run("embed", "m", "--method", "tfidf-svd", "--param", "min_df=1")
    code, out, err = run("search", "m", "tfidf-svd", "one", "-k", "2")
    assert code == 0, err
    assert "[/y]" in out and "[bold]x[/bold]" in out


def test_duplicate_ids_leave_workspace_as_it_was(run, topics_csv: Path, tmp_path: Path) -> None:
    run("ingest", "d", str(topics_csv), "--text", "body", "--id", "doc")
    path = tmp_path / "dupes.csv"
    path.write_text('doc,body\nx,a\ny,"two\nlines"\nx,b\n', encoding="utf-8")
    code, _, err = run("ingest", "d", str(path), "--text", "body", "--id", "doc")
    assert_clear_error(code, err, "'x' (lines 2, 5)")  # file lines: header 1, a cell spans 3-4
    assert len(Workspace(run.workspace).dataset("d")) == 30


def test_nan_in_numeric_column(run, tmp_path: Path) -> None:
    path = tmp_path / "nums.csv"
    path.write_text("a,b\n1,2\n3,nan\n", encoding="utf-8")
    run("ingest", "n", str(path))
    code, _, err = run("embed", "n", "--method", "pca")
    assert_clear_error(code, err, "column 'b'", "row 1 (id '1')")
    assert Workspace(run.workspace).space_names("n") == []


def test_query_vector_of_wrong_dimension(run, topics_csv: Path) -> None:
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    run("embed", "t", "--method", "tfidf-svd", "--param", "n_components=4", "--param", "min_df=1")
    code, _, err = run("search", "t", "tfidf-svd", "[0.1, 0.2]", "--by", "vector")
    assert_clear_error(code, err, "2 dimensions; space 'tfidf-svd' has 4")


def test_unknown_method_and_dataset_list_valid_names(run, topics_csv: Path) -> None:
    run("ingest", "topics", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("embed", "topics", "--method", "minlm")
    assert_clear_error(code, err, "Unknown method 'minlm'", "'tfidf-svd'", "Did you mean 'minilm'")
    code, _, err = run("embed", "topic", "--method", "minilm")
    assert_clear_error(code, err, "No dataset 'topic'", "Did you mean 'topics'")
    code, _, err = run("ingest", "x", "sandbox:rotten-tomato")
    assert_clear_error(code, err, "Unknown sandbox dataset", "'rotten-tomatoes'")


def test_bad_param_syntax_and_value(run, topics_csv: Path) -> None:
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    code, _, err = run("embed", "t", "--method", "tfidf-svd", "--param", "n_components")
    assert_clear_error(code, err, "--param expects KEY=VALUE")
    code, _, err = run("embed", "t", "--method", "tfidf-svd", "--param", "n_components=0")
    assert_clear_error(code, err, "The 'n_components' parameter of TfidfSVD must be an int >= 1")


def test_unwritable_workspace(run, topics_csv: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    code, _, err = run("ingest", "d", str(topics_csv), ws=blocker / "ws")
    assert_clear_error(code, err, "Cannot write to the workspace folder")


def test_usage_errors_exit_2(run) -> None:
    code, _, err = run("embed", "only-a-name")
    assert code == 2 and "Missing option" in err and "--method" in err
    assert not Path(run.workspace).exists(), "a usage error creates nothing"


def test_image_folder_ingest_lists_skipped_files(run, tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "imgs" / "red"
    folder.mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (12, 12), (255, 20 * i, 0)).save(folder / f"{i}.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    code, out, err = run("ingest", "imgs", str(tmp_path / "imgs"))
    assert code == 0, err
    assert "3 items" in out and "Skipped 1 file(s)" in out
    assert "red/broken.jpg: not an image" in " ".join(out.split())


def test_quality_report_json_and_export(run, tmp_path: Path) -> None:
    run("ingest", "digits", "sandbox:digits")
    run("embed", "digits", "--method", "pca", "--param", "n_components=20")
    export = tmp_path / "issues.csv"
    code, out, err = run("quality", "digits", "pca", "--json", "--export", str(export))
    assert code == 0, err
    report = json.loads(out)
    vector = {"outlier", "near_duplicate", "non_iid", "label_issue", "class_imbalance"}
    image = {"dark", "bright", "low_contrast", "blurry", "odd_colour", "odd_shape"}
    assert vector | image <= set(report["checks"])  # digits are images: one audit for both
    assert not any(name.endswith("_text") for name in report["checks"])  # no text column
    assert report["checks"]["near_duplicate"]["by_signal"]["phash"] == 0  # 8x8: no hash
    assert report["checks"]["label_issue"]["skipped_unlabelled"] == 0
    lines = export.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,issue,score,given,suggestion,signal,group" and len(lines) > 1
    assert any(",label_issue," in line and line.endswith(",confident_learning,") for line in lines)
    code, out, _ = run("quality", "digits", "pca")
    assert code == 0 and "label_issue" in out


def test_autolabel_reports_accuracy(run) -> None:
    run("ingest", "digits", "sandbox:digits")
    run("embed", "digits", "--method", "pca", "--param", "n_components=30")
    code, out, err = run("autolabel", "digits", "pca", "--known", "50", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["known"] == 50 and report["accuracy"] > 0.8
    code, _, err = run("autolabel", "digits", "pca", "--known", "5")
    assert_clear_error(code, err, "fewer than the 10 classes")


def test_impute_fills_missing_numbers(run, topics_csv: Path, tmp_path: Path) -> None:
    import csv

    from tests.conftest import topic_rows

    path = tmp_path / "priced.csv"
    rows = topic_rows()
    for i, row in enumerate(rows):
        row["price"] = (
            "" if i % 10 == 3 else str({"food": 5, "sport": 50, "space": 500}[row["topic"]])
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run("ingest", "priced", str(path), "--text", "body", "--id", "doc", "--label", "topic")
    run("embed", "priced", "--method", "minilm")
    code, out, err = run("impute", "priced", "minilm", "price", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["missing"] == 3 and report["estimated"] == 3
    assert report["evaluation"]["mae"] < report["evaluation"]["baseline_mae"]
    code, _, err = run("impute", "priced", "minilm", "prise")
    assert_clear_error(code, err, "no column 'prise'", "Did you mean 'price'")
