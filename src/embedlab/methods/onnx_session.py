"""onnxruntime sessions for every ONNX method (MiniLM, the CNNs, CLIP), their optimised graphs
cached.

Creating a session runs onnxruntime's graph optimisations (ORT_ENABLE_ALL) on every process
start: 0.9-1.2 s for MiniLM on this 2-core machine, about as long as embedding 500 short texts.
The optimised graph is written once to the models cache and later sessions load it with the
optimisations off (0.4-0.6 s), the same outputs to the bit. onnxruntime warns that a graph
optimised at this level may hold layouts for the CPU it was made on, so the cache key holds
the CPU's feature flags and the onnxruntime version beside the source file's identity.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from embedlab.config import models_cache_dir


@lru_cache(maxsize=16)
def onnx_session(model_path: str, threads: int) -> Any:
    """A CPU session of `model_path` with `threads` intra-op threads, loaded from its cached
    optimised graph (made now if there is none; where the cache cannot be written, the
    session optimises in memory as before)."""
    import onnxruntime as ort

    optimised = optimised_graph_path(Path(model_path))
    if optimised.is_file():
        level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        with contextlib.suppress(Exception):  # a damaged cache file: optimise afresh below
            return ort.InferenceSession(
                str(optimised), _options(threads, level), providers=["CPUExecutionProvider"]
            )
    written = _part_file(optimised)
    try:
        options = _options(threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        if written is not None:
            options.optimized_model_filepath = written
        try:
            session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        except Exception:
            if written is None:
                raise
            written = None  # the optimised graph could not be written (a full disk): no cache
            options = _options(threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
            session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        if written is not None:
            with contextlib.suppress(OSError):  # another process finished first: either does
                os.replace(written, optimised)
        return session
    finally:
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)


def _part_file(optimised: Path) -> str | None:
    """A fresh file beside the cached graph for onnxruntime to write it into; None where the
    cache cannot be written (a read-only or missing home)."""
    try:
        optimised.parent.mkdir(parents=True, exist_ok=True)
        handle, written = tempfile.mkstemp(dir=optimised.parent, suffix=".onnx.part")
    except OSError:
        return None
    os.close(handle)
    return written


def _options(threads: int, level: Any) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = level
    # Idle intra-op threads spin by default. On cores shared with other work that spinning
    # steals the time the busy thread needs: at load 6 on 2 cores, 1,000 reviews ran at
    # 26-29 texts/s with spinning and 41-78 without (one thread: 50-92).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    # onnxruntime warns on every save that the optimised graph is tied to this CPU: the key
    # below says so already
    options.log_severity_level = 3
    return options


def optimised_graph_path(source: Path) -> Path:
    """Where the optimised twin of ONNX graph `source` is cached on this machine."""
    import onnxruntime as ort

    stat = source.stat()
    key = hashlib.sha256(
        f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{ort.__version__}|"
        f"{platform.machine()}|{_cpu_flags()}".encode()
    ).hexdigest()[:16]
    return models_cache_dir() / "optimised" / f"{source.stem}-ort-{key}.onnx"


@lru_cache(maxsize=1)
def _cpu_flags() -> str:
    """The CPU's feature flags (Linux), else the processor's name."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("flags"):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    return platform.processor()
