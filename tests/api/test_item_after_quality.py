"""After an audit of an image dataset, an item's page still loads: the stored image measures
(with their binary perceptual hashes) stay out of the item's derived values and the fields."""

from __future__ import annotations

from fastapi.testclient import TestClient

from embedlab.api.app import create_app


def test_an_item_of_an_audited_image_dataset_loads(run) -> None:
    assert run("ingest", "digits", "sandbox:digits")[0] == 0
    assert run("embed", "digits", "--method", "pca", "--param", "n_components=10")[0] == 0
    assert run("quality", "digits", "pca")[0] == 0
    client = TestClient(create_app(run.workspace))
    item = client.get("/api/datasets/digits/item", params={"id": "0"})
    assert item.status_code == 200, item.text
    assert "image-measures" not in item.json()["derived"]
    fields = client.get("/api/datasets/digits/fields")
    assert fields.status_code == 200, fields.text
    assert not any("phash" in f["name"] for f in fields.json())
