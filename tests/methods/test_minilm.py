"""The default text model, run for real: all-MiniLM-L6-v2 int8 on onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.transformer import MiniLM, mean_pool


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM().fit()


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


def test_int8_products_stay_close_to_fp32_and_fp32_batches_stay_exact(model: MiniLM) -> None:
    texts = [
        "The film was a delight from start to finish.",
        "Stock markets fell sharply today.",
        "I went to see a play last night.",
        "a " * 60 + "very long and repetitive review",
        "ok",
    ]
    fp32 = MiniLM(precision="fp32").fit()
    exact = fp32.transform(texts)
    assert model.precision == "int8"  # the default
    cosines = (model.transform(texts) * exact).sum(axis=1)
    assert cosines.min() > 0.98, cosines
    alone = np.vstack([fp32.transform([t]) for t in texts])
    np.testing.assert_allclose(exact, alone, atol=1e-5)


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
