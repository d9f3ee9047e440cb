"""The HTTP API, in process: every view's JSON twin, binary arrays, the one error shape, media by
id only, corrections that survive a restart, tags, token and body-size guards."""

from __future__ import annotations

import csv
import io
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from embedlab.api import create_app
from embedlab.pipeline.fields import field_values
from embedlab.store.workspace import Workspace
from tests.api.conftest import XSS_TEXT

ERROR_KEYS = {"status", "type", "message"}
WRITE_HEADER = {"X-Embedlab": "1"}  # what the web app sends with every write


@pytest.fixture
def client(explorer_workspace: Workspace) -> TestClient:
    return TestClient(
        create_app(explorer_workspace), raise_server_exceptions=False, headers=WRITE_HEADER
    )


def rows_body(rows: list[int] | np.ndarray) -> bytes:
    return np.asarray(rows, dtype="<u4").tobytes()


def assert_error(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["status"] == status
    for word in words:
        assert word in body["error"]["message"]


def test_datasets_and_one_dataset(client: TestClient) -> None:
    names = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert set(names) == {"club", "digits", "topics"}
    assert names["digits"]["spaces"] == ["pca", "pixels-pca"]
    info = client.get("/api/datasets/digits").json()
    assert info["n_items"] == 1797
    space = info["spaces"][1]
    assert space["name"] == "pixels-pca" and sorted(space["projections"]) == ["pca-2d", "pca-3d"]
    fields = [f["name"] for f in info["fields"]]
    assert fields[0] == "label"
    assert "quality-pixels-pca:outlier_score" in fields
    assert not any(f.startswith("pixel_") for f in fields)  # 64 pixel columns are not colours


def test_projection_is_binary_float32_in_the_unit_box(client: TestClient) -> None:
    response = client.get("/api/datasets/digits/spaces/pixels-pca/projection?method=pca&dims=2")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-embedlab-count"] == "1797"
    coords = np.frombuffer(response.content, dtype="<f4").reshape(-1, 2)
    assert coords.shape == (1797, 2)
    assert np.abs(coords).max() == pytest.approx(0.95, abs=1e-5)
    three = client.get("/api/datasets/digits/spaces/pixels-pca/projection?method=pca&dims=3")
    assert len(three.content) == 1797 * 3 * 4


def test_warm_builds_the_item_index_in_the_background(client: TestClient) -> None:
    app_state = client.app.state.embedlab
    app_state.forget("digits")
    answer = client.post("/api/datasets/digits/warm")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"dataset": "digits", "n_items": 1797}
    for _ in range(200):  # the thread builds it; the request does not wait
        index = app_state._items.get("digits")
        if index is not None and "labels" in vars(index):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the item index was not built after POST .../warm")
    assert len(index.ids) == 1797
    assert_error(client.post("/api/datasets/nope/warm"), 404, "nope")


def test_missing_projection_is_a_404_with_the_command_to_make_it(client: TestClient) -> None:
    response = client.get("/api/datasets/topics/spaces/minilm/projection?method=tsne")
    assert_error(response, 404, "embedlab project topics minilm --method tsne")


def test_field_values_decode_to_the_labels(client: TestClient, explorer_workspace) -> None:
    legend = client.get("/api/datasets/digits/fields/label/legend").json()
    assert legend["kind"] == "category" and len(legend["categories"]) == 10
    codes = np.frombuffer(client.get("/api/datasets/digits/fields/label/values").content, "<u2")
    labels = explorer_workspace.dataset("digits").labels()
    assert [legend["categories"][c] for c in codes[:50]] == [str(v) for v in labels[:50]]
    scores = client.get("/api/datasets/digits/fields/quality-pixels-pca:outlier_score/values")
    values = np.frombuffer(scores.content, "<f4")
    assert scores.headers["x-embedlab-kind"] == "number"
    assert values.min() == 0.0 and values.max() == pytest.approx(1.0)


def test_unknown_field_suggests_the_close_one(client: TestClient) -> None:
    assert_error(client.get("/api/datasets/digits/fields/lable/legend"), 404, "'label'")


def test_selection_page_counts_labels_of_exactly_the_selected_rows(
    client: TestClient, explorer_workspace: Workspace
) -> None:
    rows = np.arange(3, 1797, 5)
    response = client.post(
        "/api/datasets/digits/selection?limit=7",
        content=rows_body(rows),
        headers={"content-type": "application/octet-stream"},
    )
    page = response.json()
    labels = np.array([str(v) for v in explorer_workspace.dataset("digits").labels()])
    expected = dict(zip(*np.unique(labels[rows], return_counts=True), strict=True))
    assert page["total"] == len(rows)
    assert {c["label"]: c["count"] for c in page["counts"]} == expected
    assert [i["row"] for i in page["items"]] == rows[:7].tolist()
    assert all(i["image"] for i in page["items"])
    json_page = client.post("/api/datasets/digits/selection", json={"rows": rows.tolist()})
    assert json_page.json()["counts"] == page["counts"]


def test_bad_selections_are_refused(client: TestClient) -> None:
    octet = {"content-type": "application/octet-stream"}
    bad_length = client.post("/api/datasets/digits/selection", content=b"123", headers=octet)
    assert_error(bad_length, 400, "multiple of 4 bytes", "3 bytes")
    too_far = client.post(
        "/api/datasets/digits/selection", content=rows_body([5, 5000]), headers=octet
    )
    assert_error(too_far, 400, "Row 5000", "0 to 1796")
    assert_error(client.post("/api/datasets/digits/selection?limit=0", content=b""), 422)


def test_selection_exports_ids_as_csv(client: TestClient) -> None:
    response = client.post(
        "/api/datasets/topics/selection/ids.csv",
        content=rows_body([0, 10, 30]),
        headers={"content-type": "application/octet-stream"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["id"],
        ["food-0"],
        ["sport-0"],
        ["xss-1"],
    ]


def test_item_details_and_neighbours(client: TestClient) -> None:
    item = client.get("/api/datasets/topics/item", params={"id": "space-3"}).json()
    assert item["values"]["body"] == "Astronauts repaired the space station"
    assert "quality-minilm" in item["derived"]
    near = client.get(
        "/api/datasets/topics/item/neighbors", params={"id": "space-3", "space": "minilm", "k": 5}
    ).json()
    assert len(near) == 5 and "space-3" not in [n["id"] for n in near]
    assert sum(n["id"].startswith("space-") for n in near) >= 4
    assert [n["score"] for n in near] == sorted((n["score"] for n in near), reverse=True)


def test_text_with_markup_comes_back_as_data(client: TestClient) -> None:
    item = client.get("/api/datasets/topics/item", params={"id": "xss-1"}).json()
    assert item["values"]["body"] == f"{XSS_TEXT} 1"
    assert item["values"]["topic"] == "<b>food</b>"


def test_media_by_id_only(client: TestClient) -> None:
    thumb = client.get("/api/datasets/digits/media/thumbnail", params={"id": "0"})
    assert thumb.status_code == 200, thumb.text
    assert thumb.headers["content-type"] == "image/png" and thumb.content[:4] == b"\x89PNG"
    image = client.get("/api/datasets/digits/media/image", params={"id": "0"})
    assert image.content[:4] == b"\x89PNG"
    for attempt in ("../../etc/passwd", "/etc/passwd", "0/../../x"):
        assert_error(client.get("/api/datasets/digits/media/image", params={"id": attempt}), 404)
    assert_error(client.get("/api/datasets/digits/media/..%2F..%2Fetc", params={"id": "x"}), 404)
    assert_error(
        client.get("/api/datasets/topics/media/image", params={"id": "food-0"}), 404, "no images"
    )
    assert client.get("/assets/../../../etc/passwd").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_search_by_text_and_by_id_gives_rows_for_the_map(client: TestClient) -> None:
    hits = client.get(
        "/api/datasets/topics/spaces/minilm/search", params={"q": "rocket launch", "k": 3}
    ).json()["hits"]
    assert hits[0]["id"].startswith("space-")
    assert all(isinstance(h["row"], int) for h in hits)
    by_id = client.get(
        "/api/datasets/topics/spaces/minilm/search", params={"q": "sport-1", "by": "id", "k": 3}
    ).json()["hits"]
    assert "sport-1" not in [h["id"] for h in by_id]
    assert_error(client.get("/api/datasets/topics/spaces/minilm/search?q="), 422)


@pytest.mark.parametrize(
    ("name", "space", "query", "by"),
    [
        ("topics", "minilm", "rocket launch", "text"),
        ("topics", "minilm", "xss-2", "id"),
        ("digits", "pixels-pca", "17", "id"),
        ("club", "deepwalk", "3", "id"),
    ],
)
def test_api_search_hits_equal_the_pipeline_search(
    client: TestClient, explorer_workspace: Workspace, name: str, space: str, query: str, by: str
) -> None:
    """The API reads ids, texts and labels from its item index, the pipeline from the table:
    the same hits, label types included (digits' labels are not strings)."""
    from embedlab.pipeline.search import search

    api = client.get(
        f"/api/datasets/{name}/spaces/{space}/search", params={"q": query, "by": by, "k": 7}
    ).json()["hits"]
    ids = explorer_workspace.dataset(name).ids()
    expected = [
        {**hit.to_dict(), "row": ids.index(hit.id)}
        for hit in search(explorer_workspace, name, space, query, by=by, k=7)  # type: ignore[arg-type]
    ]
    assert api == expected and len(api) == 7


def test_data_quality_page(client: TestClient) -> None:
    page = client.get("/api/datasets/digits/spaces/pixels-pca/quality").json()
    checks = {c["name"]: c for c in page["checks"]}
    assert {"outlier", "near_duplicate", "label_issue"} <= set(checks)
    outlier = checks["outlier"]
    assert sum(outlier["histogram"]["counts"]) == 1797
    worst = [w["score"] for w in outlier["worst"]]
    assert worst == sorted(worst) and worst[0] == 0.0
    assert outlier["field"] == "quality-pixels-pca:outlier_score"
    assert_error(client.get("/api/datasets/digits/spaces/nope/quality"), 404, "pixels-pca")


def test_label_quality_page_matches_the_stored_flags(
    client: TestClient, explorer_workspace: Workspace
) -> None:
    page = client.get("/api/datasets/digits/spaces/pixels-pca/label-quality?limit=500").json()
    flags = field_values(explorer_workspace, "digits", "quality-pixels-pca:label_issue_flag")
    assert page["flagged"] == int(flags.values.sum()) > 0
    scores = [i["score"] for i in page["issues"]]
    assert scores == sorted(scores)
    assert all(i["given"] != i["suggested"] for i in page["issues"])
    confusion_total = sum(sum(row.values()) for row in page["confusion"].values())
    assert confusion_total == page["flagged"]
    assert sum(c["issues"] for c in page["per_class"]) == page["flagged"]


def test_corrections_are_kept_apart_from_labels_and_survive_a_restart(
    explorer_workspace: Workspace,
) -> None:
    first = TestClient(create_app(explorer_workspace.path), headers=WRITE_HEADER)
    given = explorer_workspace.dataset("digits").labels()[7]
    response = first.post("/api/datasets/digits/corrections", json={"corrections": {"7": "1"}})
    assert response.json()["corrected"] == 1
    restarted = TestClient(create_app(Workspace(explorer_workspace.path)), headers=WRITE_HEADER)
    assert restarted.get("/api/datasets/digits/corrections").json()["7"] == "1"
    assert Workspace(explorer_workspace.path).dataset("digits").labels()[7] == given
    rows = list(csv.reader(io.StringIO(restarted.get("/api/datasets/digits/corrections.csv").text)))
    assert rows[0] == ["id", "given", "corrected"] and ["7", str(given), "1"] in rows
    fields = [f["name"] for f in restarted.get("/api/datasets/digits/fields").json()]
    assert "corrected_label" in fields
    legend = restarted.get("/api/datasets/digits/fields/corrected_label/legend").json()
    codes = np.frombuffer(
        restarted.get("/api/datasets/digits/fields/corrected_label/values").content, "<u2"
    )
    assert legend["categories"][codes[7]] == "1"
    restarted.post("/api/datasets/digits/corrections", json={"corrections": {"7": "2"}})
    codes = np.frombuffer(  # the cached field must not hide the new correction
        restarted.get("/api/datasets/digits/fields/corrected_label/values").content, "<u2"
    )
    legend = restarted.get("/api/datasets/digits/fields/corrected_label/legend").json()
    assert legend["categories"][codes[7]] == "2"


def test_bad_corrections_record_nothing(client: TestClient) -> None:
    before = client.get("/api/datasets/topics/corrections").json()
    unknown = client.post(
        "/api/datasets/topics/corrections", json={"corrections": {"food-1": "x", "ghost": "y"}}
    )
    assert_error(unknown, 404, "'ghost'", "Nothing was recorded")
    empty = client.post("/api/datasets/topics/corrections", json={"corrections": {"food-1": " "}})
    assert_error(empty, 400, "food-1")
    assert_error(client.post("/api/datasets/topics/corrections", json={"corrections": {}}), 422)
    assert client.get("/api/datasets/topics/corrections").json() == before


def test_tags_save_rows_and_export(client: TestClient) -> None:
    saved = client.post("/api/datasets/topics/tags", json={"tag": "sporty", "rows": [10, 11]})
    assert saved.json() == {"tag": "sporty", "tagged": 2}
    assert client.get("/api/datasets/topics/tags").json()["sporty"] == 2
    csv_text = client.get("/api/datasets/topics/tags/sporty.csv").text
    assert csv_text.split() == ["id", "sport-0", "sport-1"]
    legend = client.get("/api/datasets/topics/fields/tag:sporty/legend").json()
    codes = np.frombuffer(
        client.get("/api/datasets/topics/fields/tag:sporty/values").content, "<u2"
    )
    assert [legend["categories"][c] for c in codes[9:13]] == ["other", "tagged", "tagged", "other"]
    assert_error(client.post("/api/datasets/topics/tags", json={"tag": "a/b", "rows": [1]}), 400)
    assert_error(client.post("/api/datasets/topics/tags", json={"tag": "x", "rows": [99]}), 400)


def test_clusters_and_comparison_become_colour_fields(client: TestClient) -> None:
    made = client.post("/api/datasets/topics/spaces/minilm/clusters?n_clusters=3").json()
    assert made["n_clusters"] == 3 and sum(made["sizes"]) == 35
    legend = client.get(f"/api/datasets/topics/fields/{made['field']}/legend").json()
    assert legend["categories"] == ["0", "1", "2"]
    assert_error(
        client.post("/api/datasets/topics/spaces/minilm/clusters?n_clusters=99"), 400, "n_clusters"
    )


def test_token_is_required_when_set(explorer_workspace: Workspace) -> None:
    app = TestClient(create_app(explorer_workspace, token="s3cret"))
    assert_error(app.get("/api/datasets"), 401, "token")
    assert_error(app.get("/api/datasets", headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(app.get("/api/datasets?token=%C3%A9"), 401)  # non-ASCII: 401, not 500
    assert app.get("/api/datasets", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    first = app.get("/?token=s3cret")
    assert "embedlab_token=s3cret" in first.headers["set-cookie"]
    assert app.get("/api/datasets").status_code == 200  # the cookie now carries it


def test_a_new_token_in_the_url_beats_a_stale_cookie(explorer_workspace: Workspace) -> None:
    app = TestClient(create_app(explorer_workspace, token="new-token"))
    app.cookies.set("embedlab_token", "old-token")
    response = app.get("/?token=new-token")
    assert response.status_code == 200
    assert "embedlab_token=new-token" in response.headers["set-cookie"]


def test_writes_need_the_app_header(explorer_workspace: Workspace) -> None:
    """A page of another site can send a simple POST, but not a custom header (CSRF)."""
    bare = TestClient(create_app(explorer_workspace))
    response = bare.post("/api/datasets/topics/spaces/minilm/clusters?n_clusters=2")
    assert_error(response, 403, "x-embedlab: 1")
    assert bare.get("/api/datasets").status_code == 200  # reads need nothing


def test_loopback_server_answers_only_its_own_host_names(explorer_workspace: Workspace) -> None:
    app = create_app(explorer_workspace, allowed_hosts={"127.0.0.1", "localhost", "::1"})
    rebinding = TestClient(app, base_url="http://evil.example:5757")
    assert_error(rebinding.get("/api/datasets"), 403, "evil.example")
    local = TestClient(app, base_url="http://localhost:5757")
    assert local.get("/api/datasets").status_code == 200


def test_request_bodies_have_a_size_limit(explorer_workspace: Workspace) -> None:
    app = TestClient(create_app(explorer_workspace, max_body_bytes=64), headers=WRITE_HEADER)
    response = app.post(
        "/api/datasets/digits/selection",
        content=rows_body(range(100)),
        headers={"content-type": "application/octet-stream"},
    )
    assert_error(response, 413, "400 bytes", "64 bytes")

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(10):
            yield b'{"tag": "x", "rows": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}'

    chunked = app.post(
        "/api/datasets/digits/tags", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(chunked, 413, "64 bytes")


def test_neighbours_come_from_the_stored_graph_only(client: TestClient) -> None:
    too_many = client.get(
        "/api/datasets/topics/item/neighbors", params={"id": "food-1", "space": "minilm", "k": 99}
    )
    assert_error(too_many, 400, "k must be an int in [1, 15]")


def test_json_selection_rows_must_be_ints(client: TestClient) -> None:
    assert_error(
        client.post("/api/datasets/digits/selection", json={"rows": [1, 2.5]}),
        400,
        "2.5 at position 1",
    )
    assert_error(client.post("/api/datasets/digits/selection", json={"rows": "1,2"}), 400)


def test_comparison_is_a_colour_field(client: TestClient) -> None:
    made = client.post("/api/datasets/digits/compare?a=pixels-pca&b=pca&k=5").json()
    assert 0 <= made["mean_jaccard"] <= 1 and made["k"] == 5
    values = np.frombuffer(
        client.get(f"/api/datasets/digits/fields/{made['field']}/values").content, "<f4"
    )
    assert values.shape == (1797,)


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/datasets/{name}/spaces/{space}/label-quality" in paths


def test_api_search_hits_keep_label_values_of_any_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Integer labels (JSON Lines) and a missing label come back as the pipeline reads them
    from the table: the item index keeps the stored column, not colour codes ('1.0')."""
    import json

    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest
    from embedlab.pipeline.search import search

    rows = [
        {"id": f"r{i}", "text": f"{word} fish and {word} chips", "tags": i % 3}
        for i, word in enumerate(["red", "blue", "green", "gold", "grey", "pink"])
    ]
    rows[2]["tags"] = None
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    ingest(workspace, "rows", source, text="text", label="tags")
    embed(workspace, "rows", "tfidf-svd", params={"n_components": 3, "min_df": 1})
    client = TestClient(create_app(workspace))
    api = client.get(
        "/api/datasets/rows/spaces/tfidf-svd/search", params={"q": "r0", "by": "id", "k": 5}
    ).json()["hits"]
    expected = search(workspace, "rows", "tfidf-svd", "r0", by="id", k=5)
    assert [(h["id"], h["label"]) for h in api] == [(h.id, h.label) for h in expected]
    assert {h["id"]: h["label"] for h in api}["r2"] is None
    assert not any(isinstance(h["label"], str) for h in api)  # numbers, not category names
