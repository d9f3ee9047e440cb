"""Inputs that used to end in a 500 are 4xx with the one error body, naming what was wrong and
what is valid; every response carries the headers that keep other sites from framing the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error

HUGE = 2**63
DEEP = b'{"rows": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.fixture
def client(explorer_workspace: Workspace) -> TestClient:
    return TestClient(
        create_app(explorer_workspace), raise_server_exceptions=False, headers=WRITE_HEADER
    )


def test_a_json_selection_row_out_of_range_is_named(client: TestClient) -> None:
    response = client.post("/api/datasets/digits/selection", json={"rows": [1, HUGE]})
    assert_error(response, 400, str(HUGE), "[0, 4294967295]", "position 1")
    negative = client.post("/api/datasets/digits/selection/ids.csv", json={"rows": [-1]})
    assert_error(negative, 400, "-1", "[0, 4294967295]")


def test_a_tag_row_out_of_range_is_named(client: TestClient) -> None:
    response = client.post("/api/datasets/topics/tags", json={"tag": "big", "rows": [HUGE]})
    assert_error(response, 422, "rows.0", str(HUGE), "[0, 4294967295]")


@pytest.mark.parametrize("path", ["/api/datasets/digits/selection", "/api/datasets/digits/tags"])
def test_deeply_nested_json_is_refused(client: TestClient, path: str) -> None:
    response = client.post(path, content=DEEP, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) == {"status", "type", "message"}


@pytest.mark.parametrize("seed", [-1, 2**40])
@pytest.mark.parametrize(
    "path",
    [
        "/api/datasets/topics/spaces/minilm/clusters?n_clusters=2",
        "/api/datasets/topics/spaces/minilm/projection?method=pca",
        "/api/datasets/topics/spaces/minilm/autolabel",
    ],
)
def test_seeds_outside_numpys_range_are_refused(client: TestClient, path: str, seed: int) -> None:
    if path.endswith("autolabel"):
        response = client.post(path, json={"seed": seed})
    else:
        response = client.post(f"{path}&seed={seed}")
    assert_error(response, 422, "seed", "[0, 4294967295]", str(seed))


def test_the_largest_seed_is_taken(client: TestClient) -> None:
    made = client.post(f"/api/datasets/topics/spaces/minilm/clusters?n_clusters=2&seed={2**32 - 1}")
    assert made.status_code == 200, made.text


def test_no_page_can_be_framed(explorer_workspace: Workspace) -> None:
    bare = TestClient(create_app(explorer_workspace), raise_server_exceptions=False)
    responses = {
        "app": bare.get("/"),
        "json": bare.get("/api/datasets"),
        "binary": bare.get("/api/datasets/digits/spaces/pixels-pca/projection?method=pca"),
        "error": bare.get("/api/datasets/nope"),
        "refused write": bare.post("/api/datasets/topics/tags", json={"tag": "x"}),
        "docs": bare.get("/docs"),
        "asset": bare.get("/docs/assets/swagger-ui.css"),
    }
    assert responses["refused write"].status_code == 403
    for name, response in responses.items():
        assert response.headers["x-frame-options"] == "DENY", name
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, name
        assert response.headers["x-content-type-options"] == "nosniff", name


def test_a_body_sent_to_a_query_only_write_is_refused_naming_the_query_parameters(
    client: TestClient,
) -> None:
    """FastAPI would ignore it and cluster with the default count."""
    before = client.get("/api/datasets/topics").json()
    response = client.post("/api/datasets/topics/spaces/minilm/clusters", json={"n_clusters": 3})
    assert_error(response, 422, "query string", "n_clusters", "seed", "not read")
    assert client.get("/api/datasets/topics").json() == before


@pytest.mark.parametrize("body", [b"", b"{}", b" null "])
def test_an_empty_body_on_a_query_only_write_is_accepted(client: TestClient, body: bytes) -> None:
    path = "/api/datasets/topics/spaces/minilm/clusters?n_clusters=2"
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["n_clusters"] == 2


def test_routes_that_read_their_body_are_not_refused_for_having_one(client: TestClient) -> None:
    response = client.post("/api/datasets/digits/selection", json={"rows": [0, 1]})
    assert response.status_code == 200, response.text


def test_search_hits_carry_list_labels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A multi-label JSONL keeps lists in its label column: search answered 500 on them."""
    import json

    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest

    source = tmp_path / "multi.jsonl"
    rows = [
        {"id": f"d{i}", "text": f"words {i} on {'cats' if i % 2 else 'dogs'}", "label": ["a", "b"]}
        if i % 3
        else {"id": f"d{i}", "text": f"words {i} on cats", "label": ["c"]}
        for i in range(30)
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "multi", source)
    embed(workspace, "multi", "tfidf-svd", params={"n_components": 4, "min_df": 1})
    client = TestClient(create_app(workspace), raise_server_exceptions=False)
    response = client.get("/api/datasets/multi/spaces/tfidf-svd/search?q=cats&k=5")
    assert response.status_code == 200, response.text
    assert all(isinstance(hit["label"], list) for hit in response.json()["hits"])
