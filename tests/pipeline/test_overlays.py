"""Map overlays end to end on digits. `trust`: stored with its provenance, a colour field, the
CLI and the HTTP API, refusals, and dropped when the map it judged is replaced. `labels`:
regions named by the dominant label, in drawn coordinates through the API."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from embedlab.api.app import create_app
from embedlab.errors import NotFoundError
from embedlab.pipeline.embed import embed
from embedlab.pipeline.fields import field_values, list_fields
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.map_labels import name_map_regions, stored_map_labels
from embedlab.pipeline.project import project_space
from embedlab.pipeline.trust import compute_trust, stored_trust
from embedlab.store.workspace import Workspace
from tests.api.test_api import WRITE_HEADER, assert_error

pytestmark = pytest.mark.slow  # a digits workspace with a graph and a map: ~10 s idle
FIELD = "trust-pixels-pca-pca-2d:trust"


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = Workspace(tmp_path_factory.mktemp("trust") / "workspace")
    ingest(workspace, "digits", "sandbox:digits")
    embed(workspace, "digits", "pixels-pca", params={"n_components": 16})
    project_space(workspace, "digits", "pixels-pca", method="pca", dims=2)
    return workspace


def test_trust_is_stored_with_the_map_and_graph_as_inputs(digits: Workspace) -> None:
    result = compute_trust(digits, "digits", "pixels-pca", method="pca", k=10)
    # a 2-D PCA of 16 dimensions keeps some neighbours: far above a shuffled map, far below 1
    assert result["random_map_trust"] < 0.01 < 0.1 < result["mean_trust"] < 0.6
    assert result["field"] == FIELD and result["k"] == 10
    entry = digits.result("columns", "digits", "trust-pixels-pca-pca-2d")
    assert entry is not None
    assert set(entry.meta["inputs"]) == {
        "projection:digits:pixels-pca/pca-2d",
        "neighbors:digits:pixels-pca",
    }
    run = next(r for r in digits.manifest.runs() if r.kind == "trust")
    assert run.params == {"map": "pixels-pca/pca-2d", "dims": 2, "k": 10}
    assert FIELD in {f.name for f in list_fields(digits, "digits")}
    values = field_values(digits, "digits", FIELD)
    assert values.values.shape == (1_797,) and values.info.kind == "number"
    assert stored_trust(digits, "digits", "pixels-pca", method="pca") == result


def test_trust_through_the_cli_and_the_api(digits: Workspace, run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("trust", "digits", "pixels-pca", "--method", "pca", ws=digits.path)
    assert code == 0, err
    assert "Trust of the 2-D pca map of 'pixels-pca' (k=15): mean 0." in out
    client = TestClient(create_app(digits), raise_server_exceptions=False, headers=WRITE_HEADER)
    made = client.post("/api/datasets/digits/spaces/pixels-pca/trust?method=pca&k=5")
    assert made.status_code == 200, made.text
    assert made.json()["k"] == 5 and made.json()["field"] == FIELD
    got = client.get("/api/datasets/digits/spaces/pixels-pca/trust?method=pca")
    assert got.json() == made.json()
    legend = client.get(f"/api/datasets/digits/fields/{FIELD}/legend")
    assert legend.status_code == 200 and legend.json()["kind"] == "number"


def test_trust_refusals(digits: Workspace, run) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(digits), raise_server_exceptions=False, headers=WRITE_HEADER)
    assert_error(
        client.get("/api/datasets/digits/spaces/pixels-pca/trust?method=umap"), 404, "No trust"
    )
    assert_error(
        client.post("/api/datasets/digits/spaces/pixels-pca/trust?method=umap"),
        404,
        "No 2-D umap map of space 'pixels-pca'",
    )
    assert_error(client.get("/api/datasets/digits/spaces/nope/trust?method=pca"), 404, "nope")
    assert client.post("/api/datasets/digits/spaces/pixels-pca/trust?k=0").status_code == 422
    code, _, err = run("trust", "digits", "pixels-pca", "--method", "tsne", ws=digits.path)
    assert code == 2 and "embedlab project digits pixels-pca --method tsne" in err
    code, _, err = run("trust", "digits", "pixels-pca", "-k", "0", ws=digits.path)
    assert code == 2 and "got 0" in err


def test_a_new_map_drops_the_trust_of_the_old(digits: Workspace) -> None:
    compute_trust(digits, "digits", "pixels-pca", method="pca")
    project_space(digits, "digits", "pixels-pca", method="pca", dims=2, seed=7, force=True)
    assert stored_trust(digits, "digits", "pixels-pca", method="pca") is None
    assert FIELD not in {f.name for f in list_fields(digits, "digits")}
    with pytest.raises(NotFoundError, match="No 3-D pca map"):
        compute_trust(digits, "digits", "pixels-pca", method="pca", dims=3)
    assert np.isfinite(compute_trust(digits, "digits", "pixels-pca", method="pca")["mean_trust"])


def test_regions_are_named_by_their_labels_through_cli_and_api(digits: Workspace, run) -> None:  # type: ignore[no-untyped-def]
    result = name_map_regions(digits, "digits", "pixels-pca", method="pca", n_fine=12, n_coarse=4)
    assert result["source"] == "labels" and len(result["labels"]) == 16
    coarse = [r for r in result["labels"] if r["level"] == "coarse"]
    assert sum(r["size"] for r in coarse) == 1_797
    assert all(r["name"].split(" (")[0] in "0123456789" for r in result["labels"])
    entry = digits.result("columns", "digits", "labels-pixels-pca-pca-2d")
    assert entry is not None and set(entry.meta["inputs"]) == {
        "projection:digits:pixels-pca/pca-2d",
        "dataset:digits:digits",
    }
    assert stored_map_labels(digits, "digits", "pixels-pca", method="pca") == result
    code, out, err = run("labels", "digits", "pixels-pca", "--method", "pca", ws=digits.path)
    assert code == 0 and "named from labels; coarse:" in out, err
    client = TestClient(create_app(digits), raise_server_exceptions=False, headers=WRITE_HEADER)
    got = client.get("/api/datasets/digits/spaces/pixels-pca/labels?method=pca")
    assert got.status_code == 200, got.text
    drawn = got.json()["labels"]
    assert len(drawn) == 50 and all(
        -0.96 <= r["x"] <= 0.96 and -0.96 <= r["y"] <= 0.96 for r in drawn
    )
    assert_error(
        client.get("/api/datasets/digits/spaces/pixels-pca/labels?method=umap"),
        404,
        "embedlab labels",
    )
    assert client.post("/api/datasets/digits/spaces/pixels-pca/labels?fine=1").status_code == 422


def test_the_most_changed_neighbourhoods_are_ranked_with_gains_and_losses(
    digits: Workspace,
) -> None:
    embed(digits, "digits", "pca", params={"n_components": 4})
    client = TestClient(create_app(digits), raise_server_exceptions=False, headers=WRITE_HEADER)
    url = "/api/datasets/digits/compare/changes?a=pixels-pca&b=pca&k=10&limit=5"
    assert_error(client.get(url), 404, "Compare the two spaces first")
    made = client.post("/api/datasets/digits/compare?a=pixels-pca&b=pca&k=10")
    assert made.status_code == 200, made.text
    body = client.get(url).json()
    assert body["k"] == 10 and len(body["items"]) == 5
    scores = [item["jaccard"] for item in body["items"]]
    assert scores == sorted(scores) and scores[0] <= made.json()["mean_jaccard"]
    for item in body["items"]:
        assert len(item["gained"]) == len(item["lost"]) and not set(item["gained"]) & set(
            item["lost"]
        )
        kept = 10 - len(item["lost"])
        assert item["jaccard"] == pytest.approx(kept / (20 - kept))
    ids = digits.dataset("digits").ids()  # the rows the map draws name the same items
    for item in body["items"]:
        assert [ids[r] for r in item["gained_rows"]] == item["gained"]
        assert [ids[r] for r in item["lost_rows"]] == item["lost"]
