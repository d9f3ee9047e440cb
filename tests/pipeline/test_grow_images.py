"""Maps that grow, for images: a second folder of images appended to a dataset of images, an
`embed` that embeds only the new images, and `project --update` placing them on the existing
maps without moving the old points. Graph and ratings datasets refuse `--append`.

Real data: scikit-learn's digits written as PNG files in a folder per digit, 120 images first,
then a second folder of 40: 32 unseen digits and 8 exact copies (new file names) of old ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from embedlab.errors import InvalidInputError
from embedlab.io.interactions import InteractionColumns
from embedlab.pipeline.append import append
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.interactions import InteractionOptions
from embedlab.store.workspace import Workspace
from tests.pipeline.test_grow import grow, updated_map
from tests.test_cli import assert_clear_error

N_OLD, N_NEW, N_COPIES = 120, 40, 8
PARAMS = {"n_components": 12}
MAPS = ("pca", "tsne")


def write_images(folder: Path, rows: list[int], names: list[str] | None = None) -> Path:
    """Digits `rows` as 8x8 grey PNGs in `folder`/DIGIT/NAME.png (the folder is the label)."""
    digits = load_digits()
    for n, row in enumerate(rows):
        target = folder / str(digits.target[row])
        target.mkdir(parents=True, exist_ok=True)
        pixels = (digits.images[row] * 16).clip(0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(target / f"{names[n] if names else f'd{row}'}.png")
    return folder


def second_folder(folder: Path) -> Path:
    rows = list(range(N_OLD, N_OLD + N_NEW - N_COPIES)) + list(range(N_COPIES))
    names = [f"d{r}" for r in rows[: N_NEW - N_COPIES]] + [f"copy{r}" for r in range(N_COPIES)]
    return write_images(folder, rows, names)


def copies(ws: Workspace) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the appended copies, and rows of their originals (a folder lists its files in
    path order, so rows are found by id)."""
    ids = ws.dataset("photos").ids()
    at = {item: row for row, item in enumerate(ids)}
    new = [row for row in range(N_OLD, len(ids)) if "/copy" in ids[row]]
    old = [at[ids[row].replace("/copy", "/d")] for row in new]
    assert len(new) == N_COPIES and max(old) < N_OLD
    return np.asarray(new), np.asarray(old)


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A dataset of 120 images, its space and two maps, grown by a second folder of 40."""
    folder = tmp_path_factory.mktemp("grow-images")
    ws = Workspace(folder / "ws")
    ingest(ws, "photos", write_images(folder / "first", list(range(N_OLD))))
    return grow(ws, "photos", "pixels-pca", PARAMS, MAPS, second_folder(folder / "second"))


@pytest.mark.slow
def test_a_second_folder_is_appended_after_the_first(grown: dict[str, Any]) -> None:
    ws, report = grown["ws"], grown["appended"]
    assert report.appended == {"n_before": N_OLD, "n_added": N_NEW, "n_items": N_OLD + N_NEW}
    dataset = ws.dataset("photos")
    ids = dataset.ids()
    assert len(ids) == N_OLD + N_NEW and all("/copy" not in i for i in ids[:N_OLD])
    paths = dataset.column("path")
    assert all("/first/" in p for p in paths[:N_OLD])
    assert all("/second/" in p for p in paths[N_OLD:])
    digit = load_digits().target
    origin = [int(i.split("/")[1].removesuffix(".png").lstrip("dcopy")) for i in ids]
    assert dataset.column("label") == [str(digit[row]) for row in origin], "folder = label"
    hashes = np.asarray(dataset.column("content_hash"))
    new, old = copies(ws)
    assert (hashes[new] == hashes[old]).all(), "the copies' pixels match their originals'"
    assert dataset.meta["image_column"] == "path"
    assert dataset.meta["appended"][0]["n_items"] == N_NEW


@pytest.mark.slow
def test_embed_embeds_only_the_new_images(grown: dict[str, Any]) -> None:
    ws, report = grown["ws"], grown["embedded"]
    assert (report.grown_from, report.embedded_rows, report.reused) == (N_OLD, N_NEW, False)
    vectors = ws.space("photos", "pixels-pca").vectors()
    assert vectors.shape == (N_OLD + N_NEW, PARAMS["n_components"])
    assert np.array_equal(vectors[:N_OLD], grown["old_vectors"]), "old vectors unchanged"
    # the copies get their originals' vectors: the PCA fitted on the first folder was kept
    new, old = copies(ws)
    assert np.allclose(vectors[new], vectors[old], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "placement"), [("pca", "pca-transform"), ("tsne", "neighbours")]
)
def test_update_places_the_new_images_without_moving_the_old(
    grown: dict[str, Any], method: str, placement: str
) -> None:
    coords = updated_map(grown, method, placement, (N_OLD, N_NEW), "photos", "pixels-pca")
    extent = float(np.ptp(coords[:N_OLD], axis=0).max())
    new, old = copies(grown["ws"])
    gap = np.linalg.norm(coords[new] - coords[old], axis=1)
    assert gap.max() < 0.01 * extent, gap  # a copy lands on its original


@pytest.mark.slow
def test_the_app_serves_the_appended_images_and_the_grown_map(grown: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from embedlab.api import create_app

    ws = grown["ws"]
    client = TestClient(create_app(ws))
    new_id = ws.dataset("photos").ids()[N_OLD]
    for kind in ("thumbnail", "image"):
        response = client.get(f"/api/datasets/photos/media/{kind}", params={"id": new_id})
        assert response.status_code == 200 and response.content[:4] == b"\x89PNG", kind
    coords = client.get(
        "/api/datasets/photos/spaces/pixels-pca/projection", params={"method": "pca", "dims": 2}
    )
    assert coords.status_code == 200 and len(coords.content) == (N_OLD + N_NEW) * 2 * 4


def test_append_refuses_images_whose_ids_are_taken_and_keeps_the_dataset(
    ws: Workspace, tmp_path: Path
) -> None:
    ingest(ws, "photos", write_images(tmp_path / "first", list(range(20))))
    before = ws.dataset("photos").version
    again = write_images(tmp_path / "again", [30, 5, 31], ["n30", "d5", "n31"])
    label = load_digits().target[5]
    with pytest.raises(
        InvalidInputError,
        match=rf"1 image\(s\) have the id of an image already in dataset 'photos': '{label}/d5",
    ):
        append(ws, "photos", again)
    table = tmp_path / "rows.csv"
    table.write_text("id,path,label\nx,y,z\n")
    with pytest.raises(InvalidInputError, match="holds images: --append adds images to it"):
        append(ws, "photos", table)
    assert ws.dataset("photos").version == before and len(ws.dataset("photos")) == 20


def test_images_appended_to_a_table_dataset_are_refused(ws: Workspace, tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("id,text\na,one\nb,two\n")
    ingest(ws, "notes", rows, text="text")
    with pytest.raises(InvalidInputError, match="holds table rows: --append adds table rows"):
        append(ws, "notes", write_images(tmp_path / "images", [1, 2]))


def test_append_to_a_graph_or_ratings_is_refused_as_unsupported(
    ws: Workspace, tmp_path: Path
) -> None:
    ingest(ws, "club", "sandbox:karate-club")
    more = tmp_path / "more.csv"
    more.write_text("id,club\n99,Mr. Hi\n")
    with pytest.raises(InvalidInputError, match="--append is not supported for a graph dataset"):
        append(ws, "club", more)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "user,item,rating\n" + "".join(f"u{i % 4},m{i % 5},{1 + i % 5}\n" for i in range(20))
    )
    options = InteractionOptions(InteractionColumns.parse("user,item,rating"))
    ingest(ws, "films", ratings, interactions=options)
    before = ws.dataset("films").version
    more_ratings = tmp_path / "more-ratings.csv"
    more_ratings.write_text("id\nm9\n")
    for name in ("films", "films-users"):
        with pytest.raises(
            InvalidInputError, match="--append is not supported for a ratings dataset"
        ):
            append(ws, name, more_ratings)
    assert ws.dataset("films").version == before


@pytest.mark.slow
def test_cli_appends_a_folder_of_images(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = write_images(tmp_path / "first", list(range(30)))
    more = write_images(tmp_path / "more", list(range(40, 46)))
    assert run("ingest", "photos", str(first))[0] == 0
    assert run("embed", "photos", "--method", "pixels-pca", "--param", "n_components=6")[0] == 0
    assert run("project", "photos", "pixels-pca", "--method", "pca")[0] == 0
    code, out, err = run("ingest", "photos", str(more), "--append", "--json")
    assert code == 0, err
    assert json.loads(out)["appended"] == {"n_before": 30, "n_added": 6, "n_items": 36}
    code, _, err = run("ingest", "photos", str(more), "--append")
    assert_clear_error(code, err, "6 image(s) have the id of an image already in dataset 'photos'")
    code, out, err = run(
        "embed", "photos", "--method", "pixels-pca", "--param", "n_components=6", "--json"
    )
    assert code == 0 and json.loads(out)["grown_from"] == 30, err
    assert json.loads(out)["embedded_rows"] == 6
    code, out, err = run("project", "photos", "pixels-pca", "--method", "pca", "--update", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert (info["n_old"], info["n_placed"], info["placement"]) == (30, 6, "pca-transform")
    assert run("ingest", "club", "sandbox:karate-club")[0] == 0
    code, _, err = run("ingest", "club", str(more), "--append")
    assert_clear_error(code, err, "--append is not supported for a graph dataset ('club')")


@pytest.mark.slow
def test_an_array_of_images_is_numbered_on_and_a_folder_does_not_fit_it(
    ws: Workspace, tmp_path: Path
) -> None:
    pixels = (load_digits().images * 16).clip(0, 255).astype(np.uint8)
    np.save(tmp_path / "first.npy", pixels[:30])
    np.save(tmp_path / "more.npy", pixels[30:40])
    ingest(ws, "arrays", tmp_path / "first.npy")
    report = append(ws, "arrays", tmp_path / "more.npy")
    assert report.appended == {"n_before": 30, "n_added": 10, "n_items": 40}
    dataset = ws.dataset("arrays")
    assert dataset.ids() == [str(i) for i in range(40)]
    hashes = dataset.column("content_hash")
    np.save(tmp_path / "again.npy", pixels[30:32])
    append(ws, "arrays", tmp_path / "again.npy")  # the same images again: new numbers
    assert ws.dataset("arrays").column("content_hash")[40:] == hashes[30:32]
    with pytest.raises(InvalidInputError, match="it lacks image and it has path, label"):
        append(ws, "arrays", write_images(tmp_path / "folder", [1, 2]))
    assert len(ws.dataset("arrays")) == 42
