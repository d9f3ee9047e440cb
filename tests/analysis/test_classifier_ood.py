"""The CNN classifier's energy and maximum softmax as an out-of-distribution check: the scores,
the logits from stored features (checked against the real model), the check's fence within the
dataset, its options, and where it does not apply."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.special import logsumexp, softmax

from embedlab.analysis.checks import CheckData, ImageData, registered_checks, run_checks
from embedlab.analysis.classifier_ood import (
    classifier_scores,
    find_classifier_ood,
    scores_from_features,
)
from embedlab.errors import InvalidInputError
from tests.test_cli import assert_clear_error


def test_scores_are_energy_and_maximum_softmax_without_overflow() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(20, 50))
    logits[0] += 1000.0  # exp would overflow without the shift
    scores = classifier_scores(logits)
    np.testing.assert_allclose(scores["energy"], -logsumexp(logits, axis=1), rtol=1e-12)
    np.testing.assert_allclose(scores["msp"], softmax(logits, axis=1).max(axis=1), rtol=1e-12)
    assert np.all((scores["msp"] > 0) & (scores["msp"] <= 1))


@pytest.mark.parametrize(
    "logits", [np.zeros(5), np.zeros((3, 1)), np.array([[0.0, np.nan], [1.0, 2.0]])]
)
def test_bad_logits_are_refused(logits: np.ndarray) -> None:
    with pytest.raises(InvalidInputError, match="Classifier scores need a finite"):
        classifier_scores(logits)


def test_features_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"\(n, 1280\) EfficientNet-Lite0 features"):
        scores_from_features(np.zeros((4, 384), dtype=np.float32))


def _shifted_dataset() -> dict[str, np.ndarray]:
    """A dataset far from ImageNet as a whole (energies near -13, not the -25 of photos),
    with 4 items the classifier knows much less (energy -4) and 4 it knows much better."""
    rng = np.random.default_rng(1)
    energy = rng.uniform(-15.0, -11.0, size=300)  # bounded: no bulk item beyond the fence
    energy[:4], energy[4:8] = -4.0, -25.0
    msp = rng.uniform(0.4, 0.6, size=300)
    msp[:4], msp[4:8] = 0.01, 0.999
    return {"energy": energy, "msp": msp}


@pytest.mark.parametrize("score", ["energy", "msp"])
def test_items_beyond_the_fence_within_the_dataset_are_flagged_on_the_unsure_side(
    score: str,
) -> None:
    result = find_classifier_ood(_shifted_dataset(), score=score)
    assert set(np.flatnonzero(result.flags)) == {0, 1, 2, 3}  # not the 4 very familiar ones
    assert result.signal(0) == f"cnn-{score}" and result.signal(10) == ""
    assert result.params == {"score": score, "fence": 3.0, "threshold": None}
    assert result.summary["flagged"] == 4 and result.summary["score"] == score
    assert result.scores.min() >= 0 and result.scores.max() <= 1
    assert result.scores[:4].max() < result.scores[8:].min()  # the unsure ones rank worst


def test_an_absolute_threshold_in_the_scores_own_units_overrides_the_fence() -> None:
    data = _shifted_dataset()
    result = find_classifier_ood(data, score="energy", threshold=-12.0)
    np.testing.assert_array_equal(result.flags, data["energy"] > -12.0)
    assert result.summary["threshold"] == -12.0
    result = find_classifier_ood(data, threshold=0.45)  # msp: a probability, not its logit
    np.testing.assert_array_equal(result.flags, data["msp"] < 0.45)
    assert result.summary["threshold"] == pytest.approx(0.45)


def test_the_fence_of_the_maximum_softmax_is_set_on_its_logit() -> None:
    """On the raw probability, bounded by 1, a wide spread puts the fence below 0."""
    rng = np.random.default_rng(2)
    msp = 1 / (1 + np.exp(-rng.uniform(-1.2, 1.2, size=500)))  # 0.23 to 0.77, widely spread
    msp[:3] = 1e-4
    raw_limit = np.median(msp) - 3 * 1.4826 * np.median(np.abs(msp - np.median(msp)))
    assert raw_limit < 0  # a fence on the probability itself would flag nothing
    result = find_classifier_ood({"msp": msp, "energy": np.zeros(500)})
    assert set(np.flatnonzero(result.flags)) == {0, 1, 2}
    assert 0 < result.summary["threshold"] < 0.2


def test_bad_options_name_the_check_and_the_choices() -> None:
    with pytest.raises(InvalidInputError, match=r"'score' option of the 'cnn_ood'.*'energy'"):
        find_classifier_ood(_shifted_dataset(), score="entropy")
    with pytest.raises(InvalidInputError, match="'fence' option of the 'cnn_ood' check"):
        find_classifier_ood(_shifted_dataset(), fence=0.0)


def test_the_check_runs_only_for_images_with_classifier_scores() -> None:
    check = registered_checks()["cnn_ood"]
    assert check.needs == {"images", "classifier"} and check.group == "image"
    assert set(check.options()) == {"score", "fence", "threshold"}
    n = 300
    images = ImageData(
        statistics={
            name: np.linspace(0.3, 0.7, n)
            for name in ("brightness", "contrast", "sharpness", "colourfulness")
        },
        widths=np.full(n, 28),
        heights=np.full(n, 28),
        content_hashes=[str(i) for i in range(n)],
    )
    ids = [str(i) for i in range(n)]
    without = run_checks(CheckData(ids=ids, images=images), groups={"image"})
    assert "cnn_ood" not in {c.name for c in without}
    data = CheckData(ids=ids, images=images, classifier=_shifted_dataset())
    ran = {c.name: c for c in run_checks(data, {"cnn_ood": {"score": "msp", "fence": "2.5"}})}
    assert ran["cnn_ood"].params == {"score": "msp", "fence": 2.5, "threshold": None}


@pytest.mark.slow  # ingests and embeds through the CLI
def test_options_for_it_on_a_text_dataset_are_a_clear_error(run, topics_csv: Path) -> None:
    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    run("embed", "t", "--method", "tfidf-svd", "--param", "min_df=1", "--param", "n_components=4")
    code, _, err = run("quality", "t", "tfidf-svd", "--param", "cnn_ood.fence=2")
    assert_clear_error(code, err, "'cnn_ood' check does not apply", "an image dataset")


def _image_folder(folder: Path, n_digits: int = 24) -> Path:
    """scikit-learn's 8x8 digits as PNGs filed under 'even' and 'odd', plus two crops of its
    bundled photos filed under 'even'."""
    from sklearn.datasets import load_digits, load_sample_images

    digits = load_digits()
    for name in ("even", "odd"):
        (folder / name).mkdir(parents=True)
    for row, image in enumerate(digits.images[:n_digits]):
        label = "odd" if digits.target[row] % 2 else "even"
        pixels = (image * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels).save(folder / label / f"digit-{row}.png")
    for row, photo in enumerate(load_sample_images().images):
        Image.fromarray(photo[100:164, 100:164]).save(folder / "even" / f"photo-{row}.png")
    return folder


@pytest.mark.slow  # the CNN on 26 images at 64 px, twice
def test_stored_features_give_the_models_own_logits(ws, tmp_path: Path) -> None:
    from embedlab.methods.cnn import EfficientNetLite0, logits_from_features
    from embedlab.pipeline.embed import ImageSequence
    from embedlab.pipeline.ingest import ingest

    ingest(ws, "img", str(_image_folder(tmp_path / "images")))
    dataset = ws.dataset("img")
    images = ImageSequence(dataset, dataset.meta["image_column"]).take(np.arange(26))
    model = EfficientNetLite0(resolution=64).fit(images)
    features, logits = model.transform(images), model.predict_logits(images)
    np.testing.assert_allclose(logits_from_features(features), logits, rtol=1e-4, atol=1e-3)
    scores = scores_from_features(features)
    np.testing.assert_allclose(scores["energy"], -logsumexp(logits, axis=1), atol=1e-3)


@pytest.mark.slow  # embeds 26 images with the CNN
def test_the_audit_reads_scores_from_the_datasets_cnn_space(ws, tmp_path: Path) -> None:
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest
    from embedlab.pipeline.quality import quality

    ingest(ws, "img", str(_image_folder(tmp_path / "images")))
    embed(ws, "img", "pixels-pca", params={"n_components": 8})
    with pytest.raises(InvalidInputError, match="'cnn_ood'.*needs an efficientnet-lite0 space"):
        quality(ws, "img", "pixels-pca", k=5, params={"cnn_ood": {"fence": 2.0}})
    without = quality(ws, "img", "pixels-pca", k=5)
    assert without.check("cnn_ood") is None
    assert "embedlab embed img --method efficientnet-lite0" in without.not_run["cnn_ood"]
    embed(ws, "img", "efficientnet-lite0", params={"resolution": 64})
    stored = []
    for space in ("efficientnet-lite0", "pixels-pca"):
        report = quality(ws, "img", space, k=5, params={"cnn_ood": {"score": "energy"}})
        check = report.check("cnn_ood")
        assert check is not None and check.params["score"] == "energy"
        assert "cnn_ood" not in report.not_run
        entry = ws.result("columns", "img", f"quality-{space}")
        assert entry is not None and entry.meta["checks"]["cnn_ood"]["score"] == "energy"
        recorded = ws.manifest.get(entry.run_id)
        assert recorded is not None and recorded.params["cnn_space"] == "efficientnet-lite0"
        assert recorded.params["checks"]["cnn_ood"]["score"] == "energy"
        stored.append(ws.result("measures", "img", "cnn-scores-efficientnet-lite0"))
    assert stored[0] is not None and stored[0].run_id == stored[1].run_id  # read back, once
    table = ws.open_table(stored[0]).to_arrow()
    cnn = ws.space("img", "efficientnet-lite0")
    expected = scores_from_features(cnn.vectors())
    np.testing.assert_allclose(table.column("energy").to_numpy(), expected["energy"])
    assert table.column("id").to_pylist() == cnn.ids()
    embed(ws, "img", "efficientnet-lite0", params={"resolution": 64}, force=True)
    assert ws.result("measures", "img", "cnn-scores-efficientnet-lite0") is None
    assert ws.result("columns", "img", "quality-pixels-pca") is None  # read the old CNN space
