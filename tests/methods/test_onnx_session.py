"""ONNX sessions load the optimised graph cached by the first one: the same outputs to the bit,
a damaged cache file replaced, and a cache that cannot be written is no error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embedlab.methods.onnx_session import onnx_session, optimised_graph_path
from embedlab.methods.transformer import _minilm_model_path


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty models cache, and no session kept from another test."""
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path))
    onnx_session.cache_clear()
    yield tmp_path
    onnx_session.cache_clear()


def hidden(session: object) -> np.ndarray:
    ids = np.array([[101, 7592, 2088, 2003, 1037, 3231, 102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    return session.run(["last_hidden_state"], feeds)[0]  # type: ignore[attr-defined]


def test_the_optimised_graph_is_cached_and_gives_the_same_outputs(fresh: Path) -> None:
    source = Path(_minilm_model_path())
    cached = optimised_graph_path(source)
    assert cached.parent == fresh / "models" / "optimised" and not cached.exists()
    first = hidden(onnx_session(str(source), 1))
    assert cached.is_file() and cached.stat().st_size > 1_000_000
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no part file left
    onnx_session.cache_clear()
    stamp = cached.stat().st_mtime_ns
    again = hidden(onnx_session(str(source), 1))  # loaded from the cache, not optimised again
    assert cached.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first, again)


def test_a_damaged_cache_file_is_made_again(fresh: Path) -> None:
    source = Path(_minilm_model_path())
    cached = optimised_graph_path(source)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not an onnx graph")
    out = hidden(onnx_session(str(source), 1))
    assert out.shape == (1, 7, 384) and cached.stat().st_size > 1_000_000


def test_a_cache_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("EMBEDLAB_CACHE", str(blocked))
    onnx_session.cache_clear()
    try:
        assert hidden(onnx_session(_minilm_model_path(), 1)).shape == (1, 7, 384)
    finally:
        onnx_session.cache_clear()


def test_a_graph_that_cannot_be_written_leaves_a_working_session_and_no_part_file(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embedlab.methods import onnx_session as module

    folder = fresh / "models" / "optimised"
    folder.mkdir(parents=True)
    part = folder / "made.onnx.part"
    part.write_bytes(b"")
    # onnxruntime cannot write into a folder path: the session must still be made
    monkeypatch.setattr(module, "_part_file", lambda optimised: str(folder))
    assert hidden(onnx_session(_minilm_model_path(), 1)).shape == (1, 7, 384)
    monkeypatch.setattr(module, "_part_file", lambda optimised: str(part))
    onnx_session.cache_clear()
    onnx_session(_minilm_model_path(), 1)
    assert not part.exists()  # moved into place as the cached graph
    assert optimised_graph_path(Path(_minilm_model_path())).is_file()


def test_minilm_makes_only_the_session_its_texts_need(fresh: Path) -> None:
    from embedlab.methods.transformer import MiniLM

    long_only = MiniLM(backend="onnx").fit()
    long_only.transform(["word " * 100])  # >= 40 tokens: int8 alone
    assert list(long_only.__dict__["_sessions"]) == [str(long_only.int8_graph_)]
    short_only = MiniLM(backend="onnx").fit()
    short_only.transform(["a short text"])
    assert list(short_only.__dict__["_sessions"]) == [str(short_only.graph_)]
