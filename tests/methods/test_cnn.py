"""EfficientNet-Lite0 for real: ImageNet sanity, ONNX against torch, resolution choice."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_images

from embedlab.methods.cnn import EfficientNetLite0, auto_resolution, imagenet_class_names

PHOTOS = [Image.fromarray(a) for a in load_sample_images().images]  # china.jpg, flower.jpg


@pytest.fixture(scope="module")
def model() -> EfficientNetLite0:
    return EfficientNetLite0(resolution=224).fit(PHOTOS)


def test_it_recognises_the_sample_photos(model: EfficientNetLite0) -> None:
    names = imagenet_class_names()
    assert len(names) == 1000
    top = [[names[i] for i in np.argsort(-row)[:3]] for row in model.predict_logits(PHOTOS)]
    assert {"palace", "monastery", "bell tower", "castle"} & set(top[0]), top[0]
    assert "daisy" in top[1], top[1]


def test_onnx_and_torch_agree(model: EfficientNetLite0) -> None:
    torch_model = EfficientNetLite0(resolution=224, backend="torch").fit(PHOTOS)
    a, b = model.transform(PHOTOS), torch_model.transform(PHOTOS)
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosine.min() > 0.999
    assert model.report_["backend"] == "onnx" and torch_model.report_["backend"] == "torch"


def test_features_are_1280d_and_batch_independent(model: EfficientNetLite0) -> None:
    batch = PHOTOS * 3
    together = model.transform(batch)
    assert together.shape == (6, 1280) and together.dtype == np.float32
    np.testing.assert_allclose(together[0], model.transform(PHOTOS[:1])[0], atol=1e-4)


def test_automatic_resolution_follows_image_size() -> None:
    assert auto_resolution([Image.new("RGB", (28, 28))] * 3) == 128
    assert auto_resolution([Image.new("RGB", (8, 8))]) == 64
    assert auto_resolution(PHOTOS) == 224
    fitted = EfficientNetLite0().fit([Image.new("RGB", (28, 28))] * 2)
    assert fitted.get_state()["resolution"] == 128
    restored = EfficientNetLite0().set_state(fitted.get_state())
    assert restored.resolution_ == 128


def test_conse_puts_images_near_the_texts_of_their_classes() -> None:
    from embedlab.methods.conse import ConSE

    model = ConSE().fit(PHOTOS)
    images = model.transform(PHOTOS)
    assert images.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    queries = model.embed_text(["a flower in a garden", "an old palace or temple"])
    similarity = queries @ images.T
    assert similarity[0, 1] > similarity[0, 0] and similarity[1, 0] > similarity[1, 1]
    assert model.top_classes(PHOTOS[1:], n=1)[0][0][0] == "daisy"


def test_clip_onnx_finds_images_by_text(tmp_path) -> None:
    from embedlab.errors import InvalidInputError
    from embedlab.methods.clip import ClipOnnx
    from tests.methods.tiny_clip import build_tiny_clip

    params = build_tiny_clip(tmp_path)
    model = ClipOnnx(**params).fit()
    colours = [Image.new("RGB", (20, 30), c) for c in ("red", "blue", (0, 255, 0))]
    images = model.transform(colours)
    texts = model.embed_text(["red", "a photo of blue", "green"])
    assert images.shape == (3, 4) and texts.shape == (3, 4)
    assert (np.argmax(texts @ images.T, axis=1) == [0, 1, 2]).all()
    with pytest.raises(InvalidInputError, match="'text_model' parameter of ClipOnnx must be"):
        ClipOnnx(**{**params, "text_model": str(tmp_path / "missing.onnx")}).fit()
    (tmp_path / "broken.onnx").write_bytes(b"not onnx")
    with pytest.raises(InvalidInputError, match="Cannot load the CLIP files"):
        ClipOnnx(**{**params, "image_model": str(tmp_path / "broken.onnx")}).fit()
