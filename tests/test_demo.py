"""`embedlab demo --no-serve` end to end on the real Rotten Tomatoes data, twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = [sys.executable, "-m", "embedlab.cli", "demo", "--no-serve"]


@pytest.mark.slow
def test_demo_runs_then_reuses_everything(tmp_path: Path) -> None:
    env = {**os.environ, "EMBEDLAB_WORKSPACE": str(tmp_path / "ws")}
    first = subprocess.run(DEMO, env=env, capture_output=True, text=True, timeout=1200)
    assert first.returncode == 0, first.stderr
    assert "13,891 items x 384 dimensions" in first.stdout
    assert "a boring sequel with terrible acting" in first.stdout
    plot = Path(first.stdout.split("Map coloured by label:")[1].split()[0])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 50_000

    second = subprocess.run([*DEMO, "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    reused = {s["name"]: s["reused"] for s in summary["stages"]}
    assert all(reused[s] for s in ("fetch", "ingest", "embed", "neighbours", "project", "plot"))
    labels = [h["label"] for h in summary["queries"][0]["hits"]]
    assert len(labels) == 5 and set(labels) <= {"fresh", "rotten", "plot"}
