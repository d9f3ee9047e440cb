"""Auto-labelling, imputation and image quality over HTTP: the CLI's operations, through the same
pipeline functions, their results colour fields of the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error


@pytest.fixture
def client(explorer_workspace: Workspace) -> TestClient:
    return TestClient(
        create_app(explorer_workspace), raise_server_exceptions=False, headers=WRITE_HEADER
    )


@pytest.fixture(scope="module")
def images_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """Digits alone in a workspace of their own (image quality changes the quality pages)."""
    workspace = Workspace(Path(tmp_path_factory.mktemp("images")) / "workspace")
    ingest(workspace, "digits", "sandbox:digits")
    return TestClient(create_app(workspace), raise_server_exceptions=False, headers=WRITE_HEADER)


def test_autolabel_from_a_few_known_labels(client: TestClient) -> None:
    made = client.post("/api/datasets/topics/spaces/minilm/autolabel", json={"known": 10})
    assert made.status_code == 200, made.text
    report = made.json()
    assert 1 <= report["known"] <= 10 and report["known"] + report["predicted"] == 35
    assert 0.0 <= report["accuracy"] <= 1.0 and 0.0 <= report["mean_confidence"] <= 1.0
    assert report["field"] == "autolabel-minilm:auto_label"
    legend = client.get(f"/api/datasets/topics/fields/{report['field']}/legend").json()
    assert legend["kind"] == "category" and sum(legend["counts"]) == 35


def test_autolabel_refusals(client: TestClient, explorer_workspace: Workspace) -> None:
    unlabelled = client.post("/api/datasets/topics/spaces/minilm/autolabel", json={"label": "nope"})
    assert_error(unlabelled, 404, "'nope'")
    assert_error(
        client.post("/api/datasets/topics/spaces/minilm/autolabel", json={"k": 0}), 422, "k"
    )
    bare = TestClient(create_app(explorer_workspace))
    assert_error(bare.post("/api/datasets/topics/spaces/minilm/autolabel", json={}), 403)


def test_impute_a_column_and_measure_it(client: TestClient) -> None:
    made = client.post("/api/datasets/topics/spaces/minilm/impute", json={"column": "topic"})
    assert made.status_code == 200, made.text
    report = made.json()
    assert report["missing"] == 0 and report["examples"] == []
    evaluation = report["evaluation"]
    assert evaluation["kind"] == "categorical" and evaluation["hidden"] >= 1
    assert 0.0 <= evaluation["accuracy"] <= 1.0
    assert report["field"] == "impute-minilm-topic:topic_filled"
    fields = [f["name"] for f in client.get("/api/datasets/topics/fields").json()]
    assert "impute-minilm-topic:topic_support" in fields
    unknown = client.post("/api/datasets/topics/spaces/minilm/impute", json={"column": "topc"})
    assert_error(unknown, 404, "'topc'", "'topic'")


def test_image_quality_checks_every_image(images_client: TestClient) -> None:
    made = images_client.post("/api/datasets/digits/image-quality", json={"fence": 4.0})
    assert made.status_code == 200, made.text
    report = made.json()
    assert report["n_items"] == 1797
    checks = report["checks"]
    assert {"dark", "bright", "low_contrast", "blurry", "exact_duplicate"} <= set(checks)
    worst = [w["score"] for w in checks["dark"]["worst"]]
    assert worst == sorted(worst) and checks["dark"]["params"]["fence"] == 4.0
    values = images_client.get("/api/datasets/digits/fields/image-quality:dark_score/values")
    assert np.frombuffer(values.content, "<f4").shape == (1797,)


def test_image_quality_refusals(images_client: TestClient, client: TestClient) -> None:
    unknown = images_client.post(
        "/api/datasets/digits/image-quality", json={"thresholds": {"gloomy": 0.1}}
    )
    assert_error(unknown, 400, "gloomy", "blurry")
    assert_error(images_client.post("/api/datasets/digits/image-quality", json={"fence": 0}), 422)
    assert_error(client.post("/api/datasets/topics/image-quality", json={}), 400, "no images")
