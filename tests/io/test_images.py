"""Image folders, IDX files and arrays into dataset rows; bad files skipped with reasons."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedlab.errors import InvalidInputError
from embedlab.io.images import images_from_array, read_idx, read_image_folder
from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.pipeline.search import search
from embedlab.store.workspace import Workspace


def save(path: Path, image: Image.Image, fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format=fmt)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for i in range(4):
        save(root / "cats" / f"c{i}.png", Image.new("RGB", (40, 30), (200, 10 * i, 10)))
        save(root / "dogs" / f"d{i}.jpg", Image.new("L", (30, 40), 20 + 10 * i), "JPEG")
    save(root / "dogs" / "dup.png", Image.new("RGB", (40, 30), (200, 0, 10)))
    save(root / "loose.webp", Image.new("RGBA", (16, 16), (0, 0, 255, 128)), "WEBP")
    (root / "cats" / "empty.jpg").write_bytes(b"")
    (root / "cats" / "notes.jpg").write_text("not an image")
    good = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(good, format="PNG")
    (root / "cats" / "truncated.png").write_bytes(good.getvalue()[:60])
    (root / "readme.txt").write_text("ignored: not an image suffix")
    return root


def test_folder_labels_from_subfolders_and_bad_files_listed(folder: Path) -> None:
    items = read_image_folder(folder)
    frame = items.frame.set_index("id")
    assert len(frame) == 10
    assert (
        frame.loc["cats/c0.png", "label"] == "cats" and frame.loc["dogs/d1.jpg", "label"] == "dogs"
    )
    assert pd.isna(frame.loc["loose.webp", "label"])
    assert (frame.loc["dogs/d0.jpg", "width"], frame.loc["dogs/d0.jpg", "height"]) == (30, 40)
    reasons = dict(items.skipped)
    assert set(reasons) == {"cats/empty.jpg", "cats/notes.jpg", "cats/truncated.png"}
    assert "not an image" in reasons["cats/notes.jpg"]
    assert "truncated" in reasons["cats/truncated.png"]
    assert frame.loc["dogs/dup.png", "content_hash"] == frame.loc["cats/c0.png", "content_hash"]
    thumb = Image.open(io.BytesIO(frame.loc["cats/c0.png", "thumbnail"]))
    assert max(thumb.size) <= 64


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InvalidInputError, match="No images in"):
        read_image_folder(tmp_path)


def test_idx_round_trip_and_bad_header(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in images.shape)
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + images.tobytes()))
    np.testing.assert_array_equal(read_idx(path), images)
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(header + images.tobytes()[:-5])
    with pytest.raises(InvalidInputError, match="promises"):
        read_idx(short)


def test_arrays_become_png_rows() -> None:
    items = images_from_array(np.zeros((3, 8, 8), np.uint8), labels=["a", "b", "a"])
    assert items.frame["label"].tolist() == ["a", "b", "a"]
    assert items.frame["image"][0][:4] == b"\x89PNG"
    with pytest.raises(InvalidInputError, match="shaped"):
        images_from_array(np.zeros((8, 8), np.uint8))


def test_ingest_folder_then_pixels_pca_and_search(ws: Workspace, folder: Path) -> None:
    report = ingest(ws, "photos", folder)
    assert report.n_items == 10 and len(report.to_dict()["skipped_files"]) == 3
    space = embed(ws, "photos", "pixels-pca", params={"n_components": 4}).space
    assert space.vectors().shape == (10, 4)
    hits = search(ws, "photos", "pixels-pca", "cats/c1.png", by="id", k=3)
    assert hits[0].id in {"cats/c0.png", "cats/c2.png", "dogs/dup.png"}


def test_digits_end_to_end_as_images(ws: Workspace) -> None:
    ingest(ws, "digits", "sandbox:digits")
    assert ws.dataset("digits").meta["image_column"] == "image"
    pixels = embed(ws, "digits", "pixels-pca", params={"n_components": 20})
    assert pixels.method_report["size"] == 8 and pixels.method_report["grey"] is True
    columns = embed(ws, "digits", "pca", params={"n_components": 20}).space.meta["columns"]
    assert len(columns) == 64, "image info columns are not numeric features"
    hits = search(ws, "digits", "pixels-pca", "0", by="id", k=10)
    assert [h.label for h in hits].count("0") >= 9


def test_image_method_on_a_text_dataset(ws: Workspace, topics_csv: Path) -> None:
    ingest(ws, "topics", topics_csv, text="body", id="doc")
    with pytest.raises(InvalidInputError, match="embeds images"):
        embed(ws, "topics", "pixels-pca")


def test_missing_file_at_embed_time_names_the_item(ws: Workspace, folder: Path) -> None:
    ingest(ws, "photos", folder)
    (folder / "cats" / "c2.png").unlink()
    with pytest.raises(InvalidInputError, match="item 'cats/c2.png'.*can no longer be read"):
        embed(ws, "photos", "pixels-pca")


def test_evaluate_spaces_and_raw_pixels_on_digits(ws: Workspace) -> None:
    from embedlab.pipeline.evaluate import RAW_PIXELS, evaluate

    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pixels-pca", params={"n_components": 30})
    embed(ws, "digits", "efficientnet-lite0")
    results = {r.name: r for r in evaluate(ws, "digits")}
    assert set(results) == {"pixels-pca", "efficientnet-lite0", RAW_PIXELS}
    assert results[RAW_PIXELS].dim == 64 and results["efficientnet-lite0"].dim == 1280
    for result in results.values():
        assert result.n_test == 360 and result.knn > 0.85 and result.linear_probe > 0.85
    assert results["pixels-pca"].embed_seconds is not None
    assert ws.manifest.runs("digits")[-1].kind == "evaluate"


def test_evaluate_needs_a_label(ws: Workspace, tmp_path: Path) -> None:
    from embedlab.pipeline.evaluate import evaluate

    path = tmp_path / "t.txt"
    path.write_text("a b\nc d\ne f\n", encoding="utf-8")
    ingest(ws, "t", path)
    with pytest.raises(InvalidInputError, match="no label column"):
        evaluate(ws, "t")


def test_image_quality_is_stored_as_columns(ws: Workspace, folder: Path) -> None:
    from embedlab.pipeline.image_quality import image_quality, stored_image_quality

    save(folder / "dogs" / "night.png", Image.new("RGB", (30, 40), "black"))
    ingest(ws, "photos", folder)
    report = image_quality(ws, "photos")
    flagged = report.to_dict()["checks"]
    assert "dogs/night.png" in flagged["dark"]["flagged_ids"]
    assert flagged["exact_duplicate"]["flagged_ids"] == ["dogs/dup.png"]
    table = stored_image_quality(Workspace(ws.path), "photos")
    assert table is not None and table.num_rows == 11
    assert {"brightness", "dark_score", "dark_flag", "blurry_score"} <= set(table.column_names)
    assert table.column("id").to_pylist() == ws.dataset("photos").ids()
    assert ingest(ws, "photos", folder).unchanged  # the same folder: nothing is stale
    assert stored_image_quality(ws, "photos") is not None
    ingest(ws, "photos", folder, force=True)
    assert stored_image_quality(ws, "photos") is None, "re-ingest drops stale quality columns"


def test_text_search_on_an_image_space_goes_through_conse(ws: Workspace, tmp_path: Path) -> None:
    from sklearn.datasets import load_sample_images

    root = tmp_path / "photos"
    china, flower = (Image.fromarray(a) for a in load_sample_images().images)
    for i, box in enumerate([(0, 0, 400, 400), (200, 0, 600, 400), (100, 27, 500, 427)]):
        save(root / "temple" / f"t{i}.jpg", china.crop(box), "JPEG")
        save(root / "flower" / f"f{i}.jpg", flower.crop(box), "JPEG")
    ingest(ws, "photos", root)
    embed(ws, "photos", "efficientnet-lite0")
    with pytest.raises(InvalidInputError, match="--method conse"):
        search(ws, "photos", "efficientnet-lite0", "a flower")
    embed(ws, "photos", "conse")
    hits = search(ws, "photos", "efficientnet-lite0", "a flower", k=3)
    assert [h.label for h in hits] == ["flower"] * 3 and hits[0].space == "conse"
    hits = search(ws, "photos", "conse", "a palace", k=3)
    assert [h.label for h in hits] == ["temple"] * 3


def test_clip_onnx_space_answers_text_queries(ws: Workspace, tmp_path: Path) -> None:
    from tests.methods.tiny_clip import build_tiny_clip

    root = tmp_path / "colours"
    for name, colour in (("red", (230, 10, 10)), ("blue", (10, 10, 230))):
        for i in range(3):
            save(root / name / f"{i}.png", Image.new("RGB", (24, 24 + i), colour))
    ingest(ws, "colours", root)
    params = {k: str(v) for k, v in build_tiny_clip(tmp_path / "clip").items()}
    embed(ws, "colours", "clip-onnx", space="clip", params=params)
    assert [h.label for h in search(ws, "colours", "clip", "red", k=3)] == ["red"] * 3
    embed(ws, "colours", "pixels-pca", params={"n_components": 2})
    hits = search(ws, "colours", "pixels-pca", "blue", k=3)
    assert [h.label for h in hits] == ["blue"] * 3 and hits[0].space == "clip"
