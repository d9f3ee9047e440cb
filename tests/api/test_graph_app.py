"""The app on a graph: the dataset page, the map and an item's edges beside its embedding
neighbours (the karate club of the shared explorer workspace)."""

from __future__ import annotations

import networkx as nx
from fastapi.testclient import TestClient

from embedlab.api.app import create_app
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error


def _client(workspace: Workspace) -> TestClient:
    return TestClient(create_app(workspace), raise_server_exceptions=False, headers=WRITE_HEADER)


def test_a_graph_dataset_is_described_and_mapped(explorer_workspace: Workspace) -> None:
    client = _client(explorer_workspace)
    info = client.get("/api/datasets/club")
    assert info.status_code == 200, info.text
    meta = info.json()["meta"]
    assert meta["kind"] == "graph" and meta["modality"] == "graph" and meta["directed"] is False
    assert meta["graph"]["n_nodes"] == 34 and meta["graph"]["n_edges"] == 78
    assert client.get("/api/datasets/club/spaces/deepwalk/projection?method=pca").status_code == 200


def test_an_items_edges_are_listed_beside_its_embedding_neighbours(
    explorer_workspace: Workspace,
) -> None:
    client = _client(explorer_workspace)
    karate = nx.karate_club_graph()
    linked = client.get("/api/datasets/club/item/graph-neighbors?id=0")
    assert linked.status_code == 200, linked.text
    body = linked.json()
    assert body["degree"] == karate.degree(0) == 16
    assert {n["id"] for n in body["neighbours"]} == {str(v) for v in karate.neighbors(0)}
    assert {n["label"] for n in body["neighbours"]} <= {"Mr. Hi", "Officer"}
    first = client.get("/api/datasets/club/item/graph-neighbors?id=0&limit=3").json()
    assert first["degree"] == 16 and len(first["neighbours"]) == 3
    embedded = client.get("/api/datasets/club/item/neighbors?id=0&space=deepwalk&k=5")
    assert embedded.status_code == 200 and len(embedded.json()) == 5


def test_edges_of_what_is_not_a_graph_or_not_an_item_are_clear_errors(
    explorer_workspace: Workspace,
) -> None:
    client = _client(explorer_workspace)
    assert_error(
        client.get("/api/datasets/topics/item/graph-neighbors?id=food-0"), 400, "is not a graph"
    )
    assert_error(client.get("/api/datasets/club/item/graph-neighbors?id=99"), 404, "'99'")
    assert client.get("/api/datasets/club/item/graph-neighbors?id=0&limit=0").status_code == 422
