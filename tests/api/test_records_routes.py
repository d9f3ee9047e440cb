"""The records routes call the same pipeline functions as `categories` and `evaluate --target`:
a categories dataset made over HTTP, the encodings compared over HTTP, bad requests refused
with the one error shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from embedlab.api.app import create_app
from tests.methods.film_records import film_table


@pytest.fixture
def films_client(run, tmp_path: Path) -> TestClient:
    path = tmp_path / "films.csv"
    film_table(200).to_csv(path, index=False)
    assert run("ingest", "films", str(path), "--text", "title")[0] == 0
    code, _, err = run("embed", "films", "--method", "entity", "--param", "target=critic_rating")
    assert code == 0, err
    return TestClient(create_app(run.workspace), headers={"x-embedlab": "1"})


@pytest.mark.slow
def test_categories_and_encodings_over_http(films_client: TestClient) -> None:
    made = films_client.post(
        "/api/datasets/films/spaces/entity/categories", json={"column": "genre"}
    )
    assert made.status_code == 200, made.text
    assert made.json()["dataset"] == "films-genre" and made.json()["n_items"] == 7
    assert films_client.get("/api/datasets/films-genre").status_code == 200
    body = {"target": "critic_rating", "entity": {"epochs": 3}}
    compared = films_client.post("/api/datasets/films/encodings", json=body)
    assert compared.status_code == 200, compared.text
    result = compared.json()
    assert result["task"] == "regression" and result["onehot_dim"] > result["entity_dim"]
    assert {s["features"] for s in result["scores"]} == {"one-hot", "entity", "numeric PCA"}


@pytest.mark.slow
def test_bad_records_requests_get_the_error_shape(films_client: TestClient) -> None:
    missing = films_client.post("/api/datasets/films/encodings", json={"target": "nope"})
    assert missing.status_code in (400, 404, 422) and "nope" in missing.json()["error"]["message"]
    column = films_client.post(
        "/api/datasets/films/spaces/entity/categories", json={"column": "nope"}
    )
    assert column.status_code in (400, 404, 422) and "nope" in column.json()["error"]["message"]
    empty = films_client.post("/api/datasets/films/encodings", json={"target": ""})
    assert empty.status_code == 422
