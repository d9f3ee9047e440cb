"""The default text model, run for real: all-MiniLM-L6-v2 int8 on onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.transformer import INT8_FROM_TOKENS, MiniLM, mean_pool


@pytest.fixture(scope="module")
def model() -> MiniLM:
    # onnxruntime: its vectors are batch-independent to the bit (OpenVINO's, the default where
    # installed, to a cosine of 0.9999: test_minilm_backends.py)
    return MiniLM(backend="onnx").fit()


def test_vectors_are_unit_length_384d(model: MiniLM) -> None:
    vectors = model.transform(["A cat sat on the mat.", "Stock markets fell sharply today."])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_texts(model: MiniLM) -> None:
    a, b, c = model.transform(
        [
            "The film was a delight from start to finish.",
            "I enjoyed this movie from beginning to end.",
            "The central bank raised interest rates again.",
        ]
    )
    assert a @ b > 0.6
    assert a @ b > a @ c + 0.4


def test_batching_and_order_do_not_change_vectors(model: MiniLM) -> None:
    texts = [
        "short",
        "a somewhat longer sentence about films",
        "x " * 40,
        "medium length text here",
    ]
    together = model.transform(texts)
    alone = np.vstack([model.transform([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    reversed_ = model.transform(texts[::-1])[::-1]
    np.testing.assert_allclose(together, reversed_, atol=1e-5)


def test_long_texts_are_truncated_and_counted() -> None:
    model = MiniLM(max_length=16).fit()
    model.transform(["one two three", "word " * 50, "another " * 20])
    assert model.report_["truncated"] == 2


def test_mean_pool_ignores_padding() -> None:
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(mean_pool(hidden, mask), [[1.0, 0.0]])


def test_non_text_item_is_named_by_row(model: MiniLM) -> None:
    with pytest.raises(InvalidInputError, match="row 1 is int"):
        model.transform(["fine", 42])
    with pytest.raises(InvalidInputError, match="single string"):
        model.transform("not a list")


def test_empty_input_gives_empty_array(model: MiniLM) -> None:
    assert model.transform([]).shape == (0, 384)


def test_int8_stays_close_to_fp32_and_auto_picks_by_length() -> None:
    texts = [
        "The film was a delight from start to finish.",
        "Stock markets fell sharply today.",
        "a " * 60 + "very long and repetitive review",
        "ok",
        " ".join(f"word{i} of a long review about a film" for i in range(12)),
    ]
    fp32 = MiniLM(precision="fp32", backend="onnx").fit()
    int8 = MiniLM(precision="int8", backend="onnx").fit()
    model = MiniLM(backend="onnx").fit()
    exact, rounded = fp32.transform(texts), int8.transform(texts)
    cosines = (rounded * exact).sum(axis=1)
    assert cosines.min() > 0.98 and cosines.max() < 0.99999, cosines
    assert model.precision == "auto"  # the default
    long = np.array([len(e.ids) >= INT8_FROM_TOKENS for e in fp32.tokenizer_.encode_batch(texts)])
    assert long.any() and not long.all()
    mixed = model.transform(texts)
    np.testing.assert_allclose(mixed[~long], exact[~long], atol=1e-5)
    np.testing.assert_allclose(mixed[long], rounded[long], atol=1e-5)
    for each in (fp32, int8, model):  # a text's vector does not depend on its batch
        alone = np.vstack([each.transform([t]) for t in texts])
        np.testing.assert_allclose(each.transform(texts), alone, atol=1e-5)


def test_an_unknown_precision_is_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match="'precision' parameter of MiniLM must be one of"):
        MiniLM(precision="fp16").fit()


def test_the_int8_graph_is_built_once_into_the_cache(tmp_path, monkeypatch) -> None:
    from pathlib import Path

    from embedlab.methods.onnx_int8 import int8_graph
    from embedlab.methods.transformer import _minilm_model_path

    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path))
    built = int8_graph(Path(_minilm_model_path()))
    assert built.parent == tmp_path / "models" and built.stat().st_size > 1_000_000
    stamp = built.stat().st_mtime_ns
    assert int8_graph(Path(_minilm_model_path())) == built
    assert built.stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "models").iterdir()] == [built.name]  # no leftovers


def test_auto_falls_back_to_fp32_where_the_int8_graph_cannot_be_built(
    tmp_path, monkeypatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("EMBEDLAB_CACHE", str(blocked))
    texts = ["a " * 60 + "long enough to run in int8", "short"]
    with pytest.warns(UserWarning, match="minilm runs every text in fp32"):
        model = MiniLM(backend="onnx").fit()
    fp32 = MiniLM(precision="fp32", backend="onnx").fit()
    np.testing.assert_allclose(model.transform(texts), fp32.transform(texts), atol=1e-5)
    with pytest.raises(OSError):
        MiniLM(precision="int8", backend="onnx").fit()
