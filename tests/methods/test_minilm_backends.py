"""minilm's backends: OpenVINO against onnxruntime's fp32 run, batch independence, the choice."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.io.sandbox import get_sandbox
from embedlab.methods.transformer import MiniLM

pytest.importorskip("openvino")


@pytest.fixture(scope="module")
def reviews() -> list[str]:
    """Real Rotten Tomatoes texts of every length: 24 spread from the shortest to the longest,
    and 4 texts of 6 of them joined (long)."""
    texts = sorted(get_sandbox("rotten-tomatoes").load()["text"].dropna().tolist(), key=len)
    texts = [texts[i] for i in np.linspace(0, len(texts) - 1, 24).astype(int)]
    joined = [" ".join(texts[i : i + 6]) for i in range(0, 24, 6)]
    return texts + joined


def test_openvino_matches_fp32_at_every_length(reviews: list[str]) -> None:
    fast = MiniLM(backend="openvino").fit()
    exact = MiniLM(backend="onnx", precision="fp32").fit()
    lengths = [len(e.ids) for e in exact.tokenizer_.encode_batch(reviews)]
    assert min(lengths) < 20 and max(lengths) > 200  # short and long texts both checked
    cosines = (fast.transform(reviews) * exact.transform(reviews)).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
    assert fast.backend_ == "openvino" and exact.backend_ == "onnx"


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_a_text_alone_gets_its_vector_from_a_mixed_batch(reviews: list[str], precision) -> None:
    # one batch of every length (padding up to the longest) against each text run alone.
    # Not to the bit, unlike onnxruntime: OpenVINO's kernels differ with the batch's shape
    # (measured: one row of 28 off by 1.4e-3 at most, cosine >= 0.99990; quantised or not)
    model = MiniLM(backend="openvino", batch_tokens=100_000, precision=precision).fit()
    reviews = reviews[::2] + reviews[-4:]  # 12 spread over the lengths, and the 4 long ones
    together = model.transform(reviews)
    alone = np.vstack([model.transform([text]) for text in reviews])
    assert (together * alone).sum(axis=1).min() >= 0.9999
    np.testing.assert_allclose(together, alone, atol=5e-3)
    np.testing.assert_array_equal(model.transform(reviews), together)  # deterministic


def test_auto_is_openvino_where_installed_else_onnx(monkeypatch, reviews: list[str]) -> None:
    assert MiniLM().fit().backend_ == "openvino"
    monkeypatch.setitem(sys.modules, "openvino", None)  # as if not installed
    model = MiniLM().fit()
    assert model.backend_ == "onnx"
    np.testing.assert_allclose(
        model.transform(reviews[:3]), MiniLM(backend="onnx").fit().transform(reviews[:3])
    )


def test_openvino_asked_for_but_missing_is_a_clear_error(monkeypatch) -> None:
    from embedlab.methods.openvino_session import openvino_session

    openvino_session.cache_clear()
    monkeypatch.setitem(sys.modules, "openvino", None)
    with pytest.raises(MissingDependencyError, match="needs the 'openvino' package"):
        MiniLM(backend="openvino").fit()


@pytest.mark.slow
def test_an_unwritable_cache_still_runs(tmp_path, monkeypatch, reviews: list[str]) -> None:
    from embedlab.methods.openvino_session import openvino_session

    openvino_session.cache_clear()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("EMBEDLAB_CACHE", str(blocked))
    vectors = MiniLM(backend="openvino").fit().transform(reviews[:3])
    openvino_session.cache_clear()
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))
    cached = MiniLM(backend="openvino").fit().transform(reviews[:3])
    assert any((tmp_path / "cache" / "models" / "openvino").iterdir())  # the compiled blob
    np.testing.assert_allclose(vectors, cached, atol=1e-6)


def test_token_vectors_stay_on_onnxruntime_under_openvino() -> None:
    model = MiniLM(backend="openvino", precision="int8").fit()
    ids = np.array([model.tokenizer_.encode("a play").ids])
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    (hidden,) = model.session_.run(["last_hidden_state"], feeds)
    assert hidden.shape == (1, ids.shape[1], 384)


def test_an_unknown_backend_is_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match="'backend' parameter of MiniLM must be one of"):
        MiniLM(backend="cuda").fit()


def test_batches_in_flight_match_one_request_at_a_time(reviews: list[str]) -> None:
    # transform keeps several batches in flight on OpenVINO's streams; the same batches run one
    # after the other on one request give the same vectors (within the tolerance pinned above)
    model = MiniLM(backend="openvino", batch_tokens=128).fit()
    sequences = [e.ids for e in model.tokenizer_.encode_batch(reviews)]
    lengths = np.array([len(s) for s in sequences])
    batches = model._batches(np.argsort(lengths, kind="stable"), lengths)
    assert len(batches) >= 8 and model.batch_session_.streams >= 1
    one_by_one = np.empty((len(reviews), 384), np.float32)
    for rows in batches:
        batch = [sequences[i] for i in rows]
        one_by_one[rows] = model._run_batch(model.batch_session_, batch, int(lengths[rows].max()))
    in_flight = model.transform(reviews)
    assert (in_flight * one_by_one).sum(axis=1).min() >= 0.9999
    np.testing.assert_allclose(in_flight, one_by_one, atol=5e-3)


def test_an_error_while_pooling_a_batch_in_flight_is_raised() -> None:
    model = MiniLM(backend="openvino").fit()
    names = ("input_ids", "attention_mask", "token_type_ids")
    feeds = {name: np.ones((1, 4), np.int64) for name in names}
    seen: list[int] = []

    def done(hidden: np.ndarray, tag: int) -> None:
        seen.append(tag)
        if tag == 2:
            raise ValueError("pooling failed")

    with pytest.raises(ValueError, match="pooling failed"):
        model.batch_session_.run_all("last_hidden_state", ((feeds, i) for i in range(40)), done)
    assert 2 in seen and len(seen) < 40  # no job is started after the error is seen


def test_openvino_is_imported_without_its_telemetry() -> None:
    # `import openvino` alone forks a process that sends a usage event; embedlab's import does
    # not, and leaves the package whole (its converter included). A fresh process: this one
    # may have imported openvino already.
    script = (
        "import os, sys\n"
        "forks = []\n"
        "os.register_at_fork(before=lambda: forks.append(1))\n"
        "from embedlab.methods.openvino_session import import_openvino\n"
        "ov = import_openvino()\n"
        "import time; time.sleep(0.5)\n"  # the event is sent from a thread, soon after import
        "print(len(forks), 'openvino_telemetry' in sys.modules, callable(ov.convert_model))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["0", "False", "True"], done.stderr


def test_an_error_making_the_next_batch_waits_for_the_batches_in_flight() -> None:
    model = MiniLM(backend="openvino").fit()
    names = ("input_ids", "attention_mask", "token_type_ids")
    feeds = {name: np.ones((1, 4), np.int64) for name in names}
    seen: list[int] = []

    def jobs():  # type: ignore[no-untyped-def]
        yield from ((feeds, i) for i in range(3))
        raise OSError("could not read the next texts")

    def done(hidden: np.ndarray, tag: int) -> None:
        time.sleep(0.2)  # slow: a run_all that did not wait returned early (measured: it hung)
        seen.append(tag)

    with pytest.raises(OSError, match="next texts"):
        model.batch_session_.run_all("last_hidden_state", jobs(), done)
    assert sorted(seen) == [0, 1, 2]  # every batch started was finished and handed back


def test_at_most_two_streams_on_many_threads() -> None:
    # THROUGHPUT alone picks a stream per few cores: a lone query (a search) would then run on a
    # small share of a big machine's threads
    from embedlab.methods.openvino_session import MAX_STREAMS, openvino_session

    model = MiniLM(backend="openvino").fit()
    assert openvino_session(model.graph_, 8).streams == MAX_STREAMS == 2
    assert openvino_session(model.graph_, 1).streams == 1
