"""OpenVINO runs of ONNX graphs, with an onnxruntime-like `run(names, feeds)`, compiled models
cached.

Why: on this 2-core AMD EPYC, OpenVINO's CPU plugin runs MiniLM's package graph (int8 weights,
cast to fp32 before each product) with the weights kept int8 and the activations quantised per
token in groups of 32 (its default dynamic quantisation): faster than onnxruntime's fp32 run
at short lengths, and at a row cosine >= 0.997 with fp32 where onnxruntime's int8 graph gives
0.97-0.98. Per-token scales keep a text's vector nearly independent of its batch mates: alone
against a padded batch of mixed lengths, cosine >= 0.9999 (not to the bit: the CPU kernels
differ with the batch's shape, quantised or not). Compiling costs ~0.6 s; OpenVINO's own
model cache (`CACHE_DIR`, keyed by the graph, the config and its version) brings a later
process's compile down to ~0.05-0.1 s.

The model is compiled for throughput (`PERFORMANCE_HINT=THROUGHPUT`: on 2 threads, 2 streams of
one thread each) and `run_all` keeps two batches per stream in flight: 1.3-1.6x the texts/s of
one request on 2 threads at 64-256 tokens here (benchmarks/RESULTS.md, "minilm on OpenVINO:
streams and batches"). One lone `run` then uses one stream's threads: at most two streams
(`MAX_STREAMS`), so a lone query keeps at least half of them on any machine.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from embedlab.config import models_cache_dir
from embedlab.errors import MissingDependencyError

Tag = TypeVar("Tag")
#: infer requests in flight per stream in `run_all`: while one runs, the next one's inputs are
#: set (measured: 4 requests on 2 streams 1.0-1.3x the texts/s of 2)
REQUESTS_PER_STREAM = 2
#: streams at most: a lone query (a search) runs on one stream's threads, so on many cores the
#: hint's own choice (a stream per few cores) would leave it a small share of them; two streams
#: keep half (a lone ~110-token text here: 50 ms on 2 threads, 69 ms on one stream of 1)
MAX_STREAMS = 2


class OpenVINOSession:
    """A compiled model run like an onnxruntime session (`run`), or many feeds in flight at
    once (`run_all`)."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled
        self._request = compiled.create_infer_request()
        self.streams = int(compiled.get_property("NUM_STREAMS"))

    def run(self, names: list[str], feeds: dict[str, Any]) -> list[Any]:
        """The outputs `names` for `feeds`, copied (the request reuses its buffers)."""
        results = self._request.infer(feeds)
        return [results[self._compiled.output(name)].copy() for name in names]

    def run_all(
        self,
        name: str,
        jobs: Iterable[tuple[dict[str, Any], Tag]],
        done: Callable[[Any, Tag], None],
    ) -> None:
        """Runs each job's feeds, several at once on the model's streams, and calls
        `done(output, tag)` with output `name` of each as it finishes (in any order, on one of
        OpenVINO's threads; the output's buffer is reused once `done` returns). The first
        error of a `done` is raised here, after the jobs in flight have finished."""
        queue = import_openvino().AsyncInferQueue(
            self._compiled, max(1, self.streams) * REQUESTS_PER_STREAM
        )
        port = self._compiled.output(name)
        errors: list[BaseException] = []

        def finished(request: Any, tag: Tag) -> None:
            try:
                done(request.get_tensor(port).data, tag)
            except BaseException as error:  # raised in the caller's thread below
                errors.append(error)

        queue.set_callback(finished)
        try:
            for feeds, tag in jobs:
                if errors:
                    break
                queue.start_async(feeds, tag)
        finally:  # an error making the next job's feeds: the jobs in flight finish first
            queue.wait_all()
        if errors:
            raise errors[0]


def import_openvino() -> Any:
    """The `openvino` module, imported without its telemetry: `import openvino` otherwise sends
    a usage event to Intel from a forked process each time (`openvino_telemetry`, on by default
    for pip installs) and costs ~0.2 s more of a process's start here. Its model-conversion
    tools fall back to their own no-op telemetry; the rest of the package is unchanged.
    Raises ImportError where openvino is not installed."""
    if sys.modules.get("openvino") is not None:
        return sys.modules["openvino"]
    blocked = "openvino_telemetry" not in sys.modules
    if blocked:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]
    try:
        import openvino
    finally:
        if blocked and sys.modules.get("openvino_telemetry", 0) is None:
            del sys.modules["openvino_telemetry"]
    return openvino


def openvino_available() -> bool:
    """Whether the `openvino` package imports here."""
    try:
        import_openvino()
    except ImportError:
        return False
    return True


@lru_cache(maxsize=8)
def openvino_session(model_path: str, threads: int, quantise: bool = True) -> OpenVINOSession:
    """A CPU run of `model_path` on `threads` threads; `quantise=False` turns OpenVINO's dynamic
    quantisation of the activations off (fp32 products). Where the cache cannot be written,
    it compiles without one."""
    try:
        ov = import_openvino()
    except ImportError:
        raise MissingDependencyError(
            "backend='openvino' needs the 'openvino' package: pip install openvino, or use "
            "--param backend=onnx."
        ) from None
    config: dict[str, Any] = {
        "INFERENCE_NUM_THREADS": threads,
        "PERFORMANCE_HINT": "THROUGHPUT",
        "NUM_STREAMS": min(MAX_STREAMS, max(1, threads)),
    }
    if not quantise:
        config["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = 0
    cache = _writable_cache()
    if cache is not None:
        with contextlib.suppress(Exception):  # a damaged or full cache: compile without it
            return OpenVINOSession(_core(ov, cache).compile_model(model_path, "CPU", config))
    return OpenVINOSession(_core(ov, None).compile_model(model_path, "CPU", config))


def _core(ov: Any, cache: str | None) -> Any:
    core = ov.Core()
    if cache is not None:
        core.set_property({"CACHE_DIR": cache})
    return core


def _writable_cache() -> str | None:
    """The folder for OpenVINO's compiled blobs, or None where it cannot be written."""
    folder = models_cache_dir() / "openvino"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return None
    return str(folder)
