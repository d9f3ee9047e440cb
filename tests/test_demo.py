"""`embedlab demo --no-serve` end to end on the real sandbox data: the Fashion-MNIST case study
(twice: the second run reuses everything) and the Rotten Tomatoes one, each on its first items."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = [sys.executable, "-m", "embedlab.cli", "demo", "--no-serve"]


@pytest.mark.slow
def test_fashion_demo_runs_then_reuses_everything(tmp_path: Path) -> None:
    env = {**os.environ, "EMBEDLAB_WORKSPACE": str(tmp_path / "ws")}
    command = [*DEMO, "--limit", "1200"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert first.returncode == 0, first.stderr
    assert "1,200 items x 1280 dimensions ('efficientnet-lite0' space of 'fashion')" in first.stdout
    assert first.stdout.count("nearest to item test-") == 3
    plot = Path(first.stdout.split("Map coloured by label:")[1].split()[0])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 50_000

    second = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert all(s["reused"] for s in summary["stages"] if s["name"] != "search"), summary["stages"]
    # one audit: vector and label checks, and the image checks of an image dataset
    vector_and_label = {"outlier", "near_duplicate", "non_iid", "label_issue", "class_imbalance"}
    assert vector_and_label | {"dark", "bright", "low_contrast", "blurry"} <= set(
        summary["quality"]
    )
    assert "image checks" not in {s["name"] for s in summary["stages"]}, "no second image pass"
    for query in summary["queries"]:  # each query item's own class dominates its neighbours
        labels = [h["label"] for h in query["hits"]]
        assert len(labels) == 5 and max(labels.count(x) for x in labels) >= 3


@pytest.mark.slow
def test_reviews_demo(tmp_path: Path) -> None:
    env = {**os.environ, "EMBEDLAB_WORKSPACE": str(tmp_path / "ws")}
    result = subprocess.run(
        [*DEMO, "--case", "reviews", "--limit", "600", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dataset"] == "rotten-tomatoes" and summary["dim"] == 384
    labels = [h["label"] for h in summary["queries"][1]["hits"]]
    assert len(labels) == 5 and set(labels) <= {"fresh", "rotten", "plot"}


def test_unknown_case_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "EMBEDLAB_WORKSPACE": str(tmp_path / "ws")}
    result = subprocess.run([*DEMO, "--case", "birds"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Unknown case 'birds'" in result.stderr
