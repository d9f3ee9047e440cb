"""The autoencoders for real: what they learn, early stopping, determinism, state, bad input."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.methods.neural import ConvAutoencoder, MLPAutoencoder

DIGITS = load_digits()
IMAGES = list((DIGITS.images[:300] * 15).astype(np.uint8))  # real 8x8 grey digits
WINE = load_wine()
NOISE = np.random.default_rng(0).normal(size=(40, 20)).astype(np.float32)


def knn_cv(vectors: np.ndarray, labels: np.ndarray) -> float:
    return float(cross_val_score(KNeighborsClassifier(5), vectors, labels, cv=5).mean())


@pytest.mark.slow
def test_conv_autoencoder_learns_digits() -> None:
    ae = ConvAutoencoder(dims=8, epochs=10, learning_rate=3e-3, batch_size=32).fit(IMAGES)
    vectors = ae.transform(IMAGES)
    assert vectors.shape == (300, 8)
    # seeds 0-2 by hand: kNN 0.93-0.94 (chance 0.10); error 0.27-0.30 of the mean image's
    assert knn_cv(vectors, DIGITS.target[:300]) > 0.85
    pixels = np.stack(IMAGES).astype(np.float32) / 255
    mean_image_error = float(((pixels - pixels.mean(axis=0)) ** 2).mean())
    assert ae.reconstruction_error(IMAGES).mean() < 0.5 * mean_image_error
    assert ae.report_["size"] == 8 and ae.report_["channels"] == 1


def test_mlp_autoencoder_learns_a_numeric_table() -> None:
    X = WINE.data.astype(np.float32)  # 13 columns on very different scales: standardised
    ae = MLPAutoencoder(dims=2, hidden=16, learning_rate=1e-2, batch_size=16).fit(X)
    # seeds 0-2 by hand: kNN 0.95-0.98 (chance 0.40); error 0.33-0.42 (the mean's is 1.0)
    assert knn_cv(ae.transform(X), WINE.target) > 0.9
    assert ae.reconstruction_error(X).mean() < 0.6
    np.testing.assert_allclose(ae.mean_, X.mean(axis=0), rtol=1e-5)


def test_early_stopping_records_validation_losses_and_keeps_the_best_epoch() -> None:
    # pure noise: nothing generalises, so the validation loss soon stops improving
    ae = MLPAutoencoder(
        dims=8, hidden=64, learning_rate=1e-2, epochs=200, patience=2, batch_size=8
    ).fit(NOISE)
    report = ae.report_
    assert report["stopped_early"] and report["epochs_run"] < 200  # seeds 0-2: 9-13 epochs
    assert len(ae.val_losses_) == len(ae.train_losses_) == report["epochs_run"]
    best = int(np.argmin(ae.val_losses_))
    assert report["best_epoch"] == best + 1 and report["epochs_run"] == best + 1 + 2
    assert report["validation_loss"] == pytest.approx(float(ae.val_losses_[best]), abs=1e-6)
    assert report["validation_items"] == 4  # 10% of 40, seeded
    # the weights kept are the best epoch's: its validation loss is reproduced on those items
    held_out = np.random.default_rng(0).permutation(40)[:4]
    assert ae.reconstruction_error(NOISE[held_out]).mean() == pytest.approx(
        report["validation_loss"], rel=1e-4
    )


def test_same_seed_same_vectors_other_seed_others() -> None:
    def vectors(seed: int) -> np.ndarray:
        return MLPAutoencoder(dims=4, epochs=3, seed=seed).fit(NOISE).transform(NOISE)

    np.testing.assert_array_equal(vectors(0), vectors(0))
    assert not np.allclose(vectors(0), vectors(1))


def test_torch_settings_are_put_back() -> None:
    import torch

    threads = torch.get_num_threads()
    MLPAutoencoder(dims=4, epochs=1, threads=1).fit(NOISE)
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


def test_state_is_plain_arrays_and_restores_the_network() -> None:
    ae = ConvAutoencoder(dims=4, epochs=1).fit(IMAGES[:40])
    state = ae.get_state()
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in state.values())
    assert "weights.encoder.0.weight" in state and int(state["arch.size"]) == 8
    restored = ConvAutoencoder(dims=99).set_state(state)  # the state, not the params, decides
    np.testing.assert_array_equal(restored.transform(IMAGES[:5]), ae.transform(IMAGES[:5]))
    np.testing.assert_array_equal(restored.val_losses_, ae.val_losses_)


def test_other_sizes_are_resized_and_colour_kept() -> None:
    rng = np.random.default_rng(0)
    photos = [Image.fromarray(rng.integers(0, 255, (10, 14, 3), dtype=np.uint8)) for _ in range(8)]
    ae = ConvAutoencoder(dims=3, epochs=1).fit(photos)
    assert ae.report_["size"] == 32 and ae.report_["channels"] == 3  # mixed shape: 32 px
    stated = ConvAutoencoder(dims=3, epochs=1, size=10).fit(IMAGES[:8])
    assert stated.report_["size"] == 12  # rounded up to a multiple of 4 (two stride-2 layers)
    assert stated.transform(photos).shape == (8, 3)  # other sizes and colour at transform too


@contextlib.contextmanager
def captured_tasks() -> Iterator[list[str]]:
    names: list[str] = []

    class Reporter:
        def start(self, description: str, total: float | None) -> Any:
            names.append(description)
            return self

        def advance(self, amount: float = 1) -> None:
            pass

        def finish(self, task: Any) -> None:
            pass

    with progress.use_reporter(Reporter()):
        yield names


def test_progress_bars_show_the_validation_loss() -> None:
    with captured_tasks() as names:
        MLPAutoencoder(dims=4, epochs=3, patience=5).fit(NOISE)
    assert names[0] == "Training mlp-autoencoder: epoch 1/3"
    assert names[1].startswith("Training mlp-autoencoder: epoch 2/3, validation loss ")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dims": 0}, "The 'dims' parameter of MLPAutoencoder must be an int >= 1. Got 0"),
        ({"validation": 0.9}, "'validation' parameter .* range \\(0, 0.5\\]. Got 0.9"),
        ({"learning_rate": 0}, "'learning_rate' parameter .* a float > 0. Got 0"),
        ({"hidden": 0}, "'hidden' parameter .* an int >= 1. Got 0"),
    ],
)
def test_bad_parameters(params: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        MLPAutoencoder(**params).fit(NOISE)


def test_bad_inputs() -> None:
    with pytest.raises(InvalidInputError, match="needs at least 4 items"):
        MLPAutoencoder().fit(NOISE[:3])
    with pytest.raises(InvalidInputError, match="NaN or infinite values, the first at row 2"):
        MLPAutoencoder().fit(np.where(np.arange(40)[:, None] == 2, np.nan, NOISE))
    fitted = MLPAutoencoder(dims=2, epochs=1).fit(NOISE)
    with pytest.raises(InvalidInputError, match="fitted on 20 columns; got 5"):
        fitted.transform(NOISE[:, :5])
    with pytest.raises(InvalidInputError, match="must be a 2-D array"):  # images, not a table
        MLPAutoencoder().fit([Image.new("L", (8, 8))] * 5)
    with pytest.raises(InvalidInputError, match="Image at row 0 is str"):  # texts, not images
        ConvAutoencoder().fit(["a text"] * 5)
    with pytest.raises(InvalidInputError, match="'size' parameter .* Got 4 instead"):
        ConvAutoencoder(size=4).fit(IMAGES[:8])
