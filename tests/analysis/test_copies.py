"""Edited copies confirmed by registration, on real photo patches (64x64, compared as 32x32
thumbnails): each edit found, a twice-copied patch grouped, look-alikes (patches overlapping
by a quarter) left alone; options validated."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from embedlab.analysis.copies import (
    CopyOptions,
    candidate_pairs,
    find_copies,
    score_pairs,
    thumbnail,
    thumbnail_side,
)
from embedlab.analysis.duplicates import find_near_duplicates, perceptual_hashes
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.errors import InvalidInputError
from embedlab.store.workspace import Workspace
from tests.analysis.test_duplicates import (
    cropped,
    pair_scores,
    photo_patches,
    reencoded,
    shifted_brighter,
)


def found_pairs(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in pairs}


@pytest.fixture(scope="module")
def patches() -> list[Image.Image]:
    return photo_patches()


@pytest.fixture(scope="module")
def planted(patches: list[Image.Image]) -> dict:
    """Every fourth patch gets one edited copy (the three edits in turn); one patch gets two."""
    edits = (shifted_brighter, cropped, reencoded)
    images = list(patches)
    planted: set[tuple[int, int]] = set()
    kinds: dict[tuple[int, int], str] = {}
    for number, row in enumerate(range(0, len(patches), 4)):
        edit = edits[number % 3]
        planted.add((row, len(images)))
        kinds[(row, len(images))] = edit.__name__
        images.append(edit(patches[row]))
    twice = (1, len(images))
    images.append(cropped(shifted_brighter(patches[1])))
    images.append(reencoded(patches[1]))
    planted |= {twice, (1, twice[1] + 1), (twice[1], twice[1] + 1)}
    side = thumbnail_side(np.array([64] * len(images)), np.array([64] * len(images)))
    thumbs = np.stack([thumbnail(image, side) for image in images])
    return {"images": images, "thumbs": thumbs, "planted": planted, "kinds": kinds}


def test_thumbnails_keep_small_images_at_their_own_size() -> None:
    assert thumbnail_side(np.array([28, 28, 28]), np.array([28, 28, 30])) == 28
    assert thumbnail_side(np.array([640, 480]), np.array([480, 640])) == 32
    image = Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64)).convert("RGB")
    assert thumbnail(image, 32).shape == (32, 32) and thumbnail(image, 32).dtype == np.uint8


def test_every_edit_is_found_and_look_alikes_are_not(planted: dict) -> None:
    pairs, residuals = find_copies(planted["thumbs"], np.zeros((0, 2), dtype=np.int64))
    found = found_pairs(pairs)
    missed = {planted["kinds"].get(p, "group") for p in planted["planted"] - found}
    wrong = found - planted["planted"]
    print(f"{len(planted['thumbs'])} images: found {len(found)} pairs, missed {missed}")
    assert not missed, missed
    assert not wrong, wrong  # overlapping patches of one photo look alike but are not copies
    assert (residuals < 0.05).all()


def test_the_candidates_cover_every_copy_without_the_graph(planted: dict) -> None:
    candidates = found_pairs(candidate_pairs(planted["thumbs"], np.zeros((0, 2), np.int64)))
    assert planted["planted"] <= candidates
    n = len(planted["thumbs"])
    assert len(candidates) < 25 * n  # candidates, not all pairs


def test_a_copy_scores_far_below_its_look_alikes(planted: dict) -> None:
    pairs = candidate_pairs(planted["thumbs"], np.zeros((0, 2), np.int64))
    scored = score_pairs(planted["thumbs"], pairs)
    is_copy = np.array([tuple(p) in planted["planted"] for p in pairs.tolist()])
    best = np.maximum(scored.correlation, scored.blurred_correlation)
    assert best[is_copy].min() > 0.95  # half-pixel shifts of texture: only blurred
    assert scored.ratio[is_copy].max() < 0.2 < scored.ratio[~is_copy].min()


def test_near_duplicates_with_thumbnails_report_the_aligned_signal(
    planted: dict, patches: list[Image.Image]
) -> None:
    images = planted["images"]
    pixels = np.stack([np.asarray(i.convert("L"), dtype=np.float32).ravel() for i in images])
    graph = build_neighbor_graph(pixels - pixels.mean(axis=0), k=10)
    result = find_near_duplicates(
        graph, image_hashes=perceptual_hashes(images), thumbnails=planted["thumbs"]
    )
    recall, precision = pair_scores(result.groups, planted["planted"])
    assert recall == 1.0 and precision == 1.0, (recall, precision)
    copies = np.arange(len(patches), len(images))
    assert result.flags[copies].all()
    assert all("aligned" in s for s in result.signals[copies])
    assert result.params["copy_ratio"] == 0.2 and result.params["thumbnail_side"] == 32
    assert result.summary["by_signal"]["aligned"] == len(copies)


def test_a_stricter_ratio_finds_fewer_pairs(planted: dict) -> None:
    none = np.zeros((0, 2), np.int64)
    loose, _ = find_copies(planted["thumbs"], none, CopyOptions(max_ratio=0.5))
    strict, _ = find_copies(planted["thumbs"], none, CopyOptions(max_ratio=0.001))
    assert len(strict) < len(found_pairs(loose))


def test_mirrored_copies_are_found_unless_switched_off(patches: list[Image.Image]) -> None:
    thumbs = np.stack([thumbnail(patch, 32) for patch in patches])
    chosen = list(range(0, len(patches), 5))
    data = np.concatenate([thumbs, thumbs[chosen][:, :, ::-1]])
    planted = {(row, len(patches) + number) for number, row in enumerate(chosen)}
    none = np.zeros((0, 2), np.int64)
    found = found_pairs(find_copies(data, none)[0])
    assert found == planted
    unmirrored = found_pairs(find_copies(data, none, CopyOptions(mirrored=False))[0])
    assert not unmirrored & planted


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_ratio": 0.0}, "'copy_ratio' option of the 'near_duplicate' check must be in (0, 1)"),
        ({"max_ratio": 1.5}, "must be in (0, 1). Got 1.5 instead."),
        ({"min_correlation": 2.0}, "'copy_min_correlation' option of the 'near_duplicate' check"),
        ({"rank": 1}, "'copy_rank' option of the 'near_duplicate' check must be an int >= 2"),
    ],
)
def test_bad_copy_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        CopyOptions(**options)


@pytest.mark.slow
def test_the_audit_of_an_image_folder_names_each_copy_and_its_original(
    run, tmp_path, patches: list[Image.Image]
) -> None:
    """Ingest a folder of photo patches with planted copies, embed, audit: the export names
    every copy as a copy of its original, with the `aligned` signal; the thumbnails are
    stored with the image measures; a bad option exits 2."""
    import csv

    folder = tmp_path / "photos"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    for row, patch in enumerate(patches[:60]):
        patch.save(folder / ("a" if row % 2 else "b") / f"p{row}.png")
    copies = {}
    for row in range(0, 60, 6):
        label = "a" if row % 2 else "b"
        (shifted_brighter, cropped)[row % 12 == 0](patches[row]).save(
            folder / label / f"c{row}.png"
        )
        copies[f"{label}/c{row}.png"] = f"{label}/p{row}.png"
    assert run("ingest", "photos", str(folder))[0] == 0
    code, _, err = run("embed", "photos", "--method", "pixels-pca", "--param", "n_components=8")
    assert code == 0, err
    export = tmp_path / "issues.csv"
    code, out, err = run("quality", "photos", "pixels-pca", "--export", str(export), "--json")
    assert code == 0, err
    with export.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["issue"] == "near_duplicate"]
    named = {r["id"]: r for r in rows}
    for copy, original in copies.items():
        row = named.get(copy) or named.get(original)
        assert row is not None, copy
        assert "aligned" in row["signal"]
        assert (copy if row["id"] == original else original) in row["suggestion"]
    assert len(rows) == len(copies)  # look-alike patches are not copies
    measures = Workspace(tmp_path / "ws").result("measures", "photos", "image-measures")
    assert measures is not None and measures.meta["thumbnail_side"] == 32
    code, _, err = run("quality", "photos", "pixels-pca", "--param", "near_duplicate.copy_ratio=0")
    assert code == 2 and "'copy_ratio' option of the 'near_duplicate' check must be" in " ".join(
        err.split()
    )
