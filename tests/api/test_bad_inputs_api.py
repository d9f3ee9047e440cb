"""Bad queries to the HTTP API are 4xx with the one error body and a message naming what was
wrong (never a ranking of zeros, never a traceback in the server log). A small workspace of its
own: 30 topic texts with a TF-IDF/SVD space and a PCA map."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.api.app import AppState
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.project import project_space
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error
from tests.conftest import topic_rows


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root: Path = tmp_path_factory.mktemp("bad-api")
    path = root / "topics.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["doc", "body", "topic"])
        writer.writeheader()
        writer.writerows(topic_rows())
    workspace = Workspace(root / "ws")
    ingest(workspace, "t", path, text="body", label="topic", id="doc")
    embed(workspace, "t", "tfidf-svd", params={"min_df": 1, "n_components": 6})
    project_space(workspace, "t", "tfidf-svd", method="pca", dims=2)
    return TestClient(create_app(workspace), raise_server_exceptions=False)


SEARCH = "/api/datasets/t/spaces/tfidf-svd/search"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": "   "}, "The search query is empty; expected a text"),
        ({"q": " ", "by": "id"}, "expected an item id"),
        ({"q": "zzzz qqqq"}, "has no word that space 'tfidf-svd'"),
    ],
)
def test_a_search_with_nothing_to_look_for_is_a_400(
    client: TestClient, params: dict[str, str], fragment: str
) -> None:
    assert_error(client.get(SEARCH, params=params), 400, fragment)


def test_a_known_word_still_finds_its_topic(client: TestClient) -> None:
    response = client.get(SEARCH, params={"q": "rocket orbit", "k": 3})
    assert response.status_code == 200, response.text
    assert response.json()["hits"][0]["label"] == "space"


def test_a_missing_map_starts_no_background_work(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed: list[str] = []
    monkeypatch.setattr(AppState, "warm_items", lambda self, name: warmed.append(name))
    missing = client.get("/api/datasets/nope/spaces/tfidf-svd/projection?method=pca")
    assert_error(missing, 404, "No dataset 'nope'")
    assert warmed == []  # it used to start a thread that died with a traceback in the log
    assert client.get("/api/datasets/t/spaces/tfidf-svd/projection?method=pca").status_code == 200
    assert warmed == []  # the map asks for the item index itself, once its first frame is drawn
    assert_error(
        client.post("/api/datasets/nope/warm", headers=WRITE_HEADER), 404, "No dataset 'nope'"
    )
    assert warmed == []
    assert client.post("/api/datasets/t/warm", headers=WRITE_HEADER).status_code == 200
    assert warmed == ["t"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/datasets/t/tags", {"tag": "picked", "rows": [1], "colour": "red"}),
        ("/api/datasets/t/corrections", {"corrections": {"food-1": "sport"}, "force": True}),
        ("/api/datasets/t/spaces/tfidf-svd/autolabel", {"known": 5, "nieghbours": 3}),
    ],
)
def test_a_request_body_with_an_unknown_field_is_refused_and_changes_nothing(
    client: TestClient, path: str, body: dict[str, object]
) -> None:
    before = client.get("/api/datasets/t").json()
    response = client.post(path, json=body, headers=WRITE_HEADER)
    unknown = next(key for key in body if key not in ("tag", "rows", "corrections", "known"))
    assert_error(response, 422, unknown, "Extra inputs are not permitted")
    assert client.get("/api/datasets/t").json() == before


def test_changes_between_a_space_and_itself_are_a_400_not_a_missing_graph(
    client: TestClient,
) -> None:
    # was 404 "no stored graph yet... compare t tfidf-svd tfidf-svd first", a compare that refuses
    response = client.get(
        "/api/datasets/t/compare/changes", params={"a": "tfidf-svd", "b": "tfidf-svd"}
    )
    assert_error(response, 400, "compare needs two different spaces of dataset 't'")
