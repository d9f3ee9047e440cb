"""A selection or a tag becomes a new dataset: `POST /api/datasets/NAME/subset`, the rows of a
tag for a bookmarked view, and `embedlab ingest NEW workspace:NAME --tag TAG`; tags survive the
dataset growing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.pipeline.annotate import tag_items, tags
from embedlab.pipeline.append import append
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.subset import subset
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error
from tests.conftest import topic_rows
from tests.test_cli import assert_clear_error

SPORT = [r["doc"] for r in topic_rows() if r["topic"] == "sport"]


@pytest.fixture
def topics(ws: Workspace, topics_csv: Path) -> Workspace:
    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    tag_items(ws, "topics", "sport", SPORT)
    return ws


def test_a_tag_becomes_a_dataset_with_its_rows_and_provenance(topics: Workspace) -> None:
    report = subset(topics, "topics", "sport-only", tag="sport")
    made = topics.dataset("sport-only")
    assert report.n_items == len(made) == 10
    assert made.ids() == SPORT and made.texts()[0].startswith("The striker")
    assert made.text_column == "body" and made.label_column == "topic"
    assert set(made.column("topic")) == {"sport"}
    origin = made.meta["subset_of"]
    assert origin == {"dataset": "topics", "version": topics.dataset("topics").version,
                      "tag": "sport", "n_items": 10}  # fmt: skip
    run = topics.manifest.get(made.version)
    assert run is not None and run.method == "subset"
    assert run.input_version == origin["version"] and run.params["source"] == "workspace:topics"


def test_subset_refusals_leave_the_workspace_as_it_was(topics: Workspace) -> None:
    with pytest.raises(NotFoundError, match="has no tag 'spot'.*sport"):
        subset(topics, "topics", "x", tag="spot")
    with pytest.raises(InvalidInputError, match="exists already"):
        subset(topics, "topics", "topics", tag="sport")
    with pytest.raises(InvalidInputError, match="exactly one of"):
        subset(topics, "topics", "x", tag="sport", ids=["food-1"])
    with pytest.raises(NotFoundError, match="'nope'"):
        subset(topics, "topics", "x", ids=["food-1", "nope"])
    with pytest.raises(InvalidInputError, match="Row 30 is not a row"):
        subset(topics, "topics", "x", rows=[0, 30])
    assert topics.dataset_names() == ["topics"]


def test_tags_survive_the_dataset_growing(topics: Workspace, tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    with more.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["doc", "body", "topic"])
        writer.writeheader()
        writer.writerow({"doc": "sport-new", "body": "A late goal won the cup", "topic": "sport"})
    append(topics, "topics", more)
    assert tags(topics, "topics")["sport"] == SPORT, "the old rows are the same items"


def test_api_subset_by_rows_and_tag_rows(topics: Workspace) -> None:
    client = TestClient(create_app(topics), raise_server_exceptions=False, headers=WRITE_HEADER)
    found = client.get("/api/datasets/topics/tags/sport/rows")
    assert found.status_code == 200 and found.json() == {
        "tag": "sport",
        "rows": list(range(10, 20)),
    }
    assert_error(client.get("/api/datasets/topics/tags/spot/rows"), 404, "sport")
    made = client.post("/api/datasets/topics/subset", json={"name": "picked", "rows": [3, 1, 3]})
    assert made.status_code == 201, made.text
    assert made.json()["n_items"] == 2 and made.json()["source"] == "workspace:topics"
    assert topics.dataset("picked").ids() == ["food-1", "food-3"]
    names = [d["name"] for d in client.get("/api/datasets").json()]
    assert "picked" in names
    by_tag = client.post("/api/datasets/topics/subset", json={"name": "sp", "tag": "sport"})
    assert by_tag.status_code == 201 and by_tag.json()["n_items"] == 10
    assert_error(
        client.post("/api/datasets/topics/subset", json={"name": "picked", "rows": [1]}),
        400,
        "exists already",
    )
    assert_error(
        client.post("/api/datasets/topics/subset", json={"name": "my set!", "rows": [1]}),
        400,
        "'my set!' is not valid",
    )
    refused = TestClient(create_app(topics), raise_server_exceptions=False).post(
        "/api/datasets/topics/subset", json={"name": "csrf", "rows": [1]}
    )
    assert refused.status_code == 403 and not topics.has_dataset("csrf"), "the CSRF header"


def test_cli_ingest_workspace_tag(run, topics_csv: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("--text", "body", "--label", "topic", "--id", "doc")
    assert run("ingest", "topics", str(topics_csv), *args)[0] == 0
    tag_items(Workspace(run.workspace), "topics", "sport", SPORT)
    code, out, err = run("ingest", "sport", "workspace:topics", "--tag", "sport", "--json")
    assert code == 0, err
    assert json.loads(out)["n_items"] == 10
    code, _, err = run("ingest", "sport2", "workspace:topics")
    assert_clear_error(code, err, "--tag TAG")
    code, _, err = run("ingest", "sport2", "workspace:topics", "--tag", "sport", "--text", "b")
    assert_clear_error(code, err, "leave out --text")
    code, _, err = run("ingest", "sport2", "workspace:nowhere", "--tag", "sport")
    assert_clear_error(code, err, "No dataset 'nowhere'")
