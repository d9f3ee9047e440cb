"""Helpers shared by the benchmark scripts: one subprocess per side, peak memory, tables."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# No network: Hugging Face libraries must not try the hub; their progress bars are noise here.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Resident set size of this process now, in MiB (from /proc, else the peak)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mib()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Wall time of the block, in seconds, under key 'seconds' of the yielded dict."""
    timing: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = time.perf_counter() - start


def default_threads() -> int:
    """All cores, the same count for every side."""
    return os.cpu_count() or 1


def write_side_result(out: Path, array: np.ndarray, meta: dict[str, Any]) -> None:
    """Save a side's output array to `out` (.npy) and its figures to `out` + .json."""
    np.save(out, array)
    meta = {**meta, "peak_rss_mib": round(peak_rss_mib(), 1)}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2))


def run_side(
    script: str, side: str, work_dir: Path, extra_args: list[str]
) -> tuple[np.ndarray, dict[str, Any]]:
    """Run one side in a fresh Python process (so its peak memory is its own); return its output."""
    out = work_dir / f"{side}.npy"
    command = [sys.executable, script, "--side", side, "--out", str(out), *extra_args]
    env = {**os.environ, **OFFLINE_ENV}
    result = subprocess.run(command, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"Side '{side}' failed with exit code {result.returncode}.")
    meta = json.loads(out.with_suffix(".json").read_text())
    return np.load(out), meta


def machine_summary(threads: int) -> str:
    """One line describing the machine the figures come from."""
    return (
        f"machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{threads} threads per side, Python {platform.python_version()}, {platform.system()}"
    )


def print_table(title: str, headers: list[str], rows: list[list[str]], caption: str = "") -> None:
    """A table on stdout: rich when installed, plain aligned text otherwise."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        _print_plain_table(f"{title}\n{caption}".strip(), headers, rows)
        return
    table = Table(title=title, caption=caption or None)
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console(width=120).print(table)


def _print_plain_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    print(title)
    for row in [headers, *rows]:
        print("  ".join(str(cell).rjust(w) for cell, w in zip(row, widths, strict=True)))


def print_versions(metas: dict[str, dict[str, Any]]) -> None:
    """One line per side with the library versions it ran."""
    for side, meta in metas.items():
        libs = ", ".join(f"{name} {ver}" for name, ver in meta.get("versions", {}).items())
        print(f"{side}: {libs}")


def drop_self(indices: np.ndarray, k: int) -> np.ndarray:
    """Remove each row's own index from (n, k+1) neighbours; rows without it lose their last one."""
    n = indices.shape[0]
    is_self = indices == np.arange(n)[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return indices[~is_self].reshape(n, -1)[:, :k]


def identical_sets(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of rows whose neighbour sets (order ignored) are identical."""
    return float((np.sort(a, axis=1) == np.sort(b, axis=1)).all(axis=1).mean())


def mean_overlap(found: np.ndarray, truth: np.ndarray, chunk: int = 10_000) -> float:
    """Mean recall@k of `found` against `truth` over all rows (k = truth.shape[1])."""
    hits = 0
    for start in range(0, truth.shape[0], chunk):
        f, t = found[start : start + chunk], truth[start : start + chunk]
        hits += int((f[:, :, None] == t[:, None, :]).any(axis=2).sum())
    return hits / truth.size


def print_scored_runs(title: str, results: dict[str, tuple[tuple, dict[str, Any]]]) -> None:
    """One row per side: its (wall seconds, peak MiB, ...) run and its scores by name (floats
    to 3 decimals, counts with separators, '-' where a side lacks a score)."""
    columns = list(next(iter(results.values()))[1])

    def shown(scores: dict[str, Any], column: str) -> str:
        if column not in scores:
            return "-"
        value = scores[column]
        return f"{value:.3f}" if isinstance(value, float) else f"{value:,}"

    rows = [
        [side, f"{run[0]:.1f}", f"{run[1]:,.0f}", *(shown(scores, c) for c in columns)]
        for side, (run, scores) in results.items()
    ]
    print_table(title, ["side", "seconds", "peak MiB", *columns], rows)


def fmt(value: float, digits: int = 2) -> str:
    """A number with fixed decimals."""
    return f"{value:,.{digits}f}"


def versions(modules: list[str]) -> dict[str, str]:
    """Installed versions of the named distributions ('?' where unknown)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in modules:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "?"
    return found
