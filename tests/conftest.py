"""Shared fixtures: small real inputs written to temporary folders, one workspace per test."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from embedlab.store.workspace import Workspace

TOPICS = {
    "food": [
        "The pasta was cooked perfectly with fresh basil",
        "A spicy curry with rice and lentils",
        "Chocolate cake with a rich cream frosting",
        "Grilled fish served with lemon and herbs",
        "A bowl of warm tomato soup and bread",
        "Sushi rolls with salmon and avocado",
        "Pancakes with maple syrup for breakfast",
        "A fresh salad of spinach and goat cheese",
        "Roast chicken with potatoes and garlic",
        "Homemade pizza with mozzarella",
    ],
    "sport": [
        "The striker scored twice in the final match",
        "A marathon runner crossed the finish line",
        "The tennis player won the championship in straight sets",
        "Basketball team wins overtime thriller",
        "The goalkeeper saved a penalty in extra time",
        "Cyclists raced up the mountain stage",
        "The swimmer broke the world record",
        "A boxer knocked out the champion",
        "The coach praised the defence after the game",
        "Fans cheered as the team lifted the trophy",
    ],
    "space": [
        "The rocket launched a satellite into orbit",
        "Astronomers discovered a new exoplanet",
        "The telescope captured images of a distant galaxy",
        "Astronauts repaired the space station",
        "A comet passed close to the sun",
        "The rover landed on the surface of Mars",
        "Scientists studied black holes and gravity waves",
        "The moon mission returned rock samples",
        "A solar eclipse darkened the sky",
        "Stars form inside clouds of gas and dust",
    ],
}


def topic_rows() -> list[dict[str, str]]:
    return [
        {"doc": f"{topic}-{i}", "body": text, "topic": topic}
        for topic, texts in TOPICS.items()
        for i, text in enumerate(texts)
    ]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "workspace")


@pytest.fixture
def topics_csv(tmp_path: Path) -> Path:
    """30 short texts on three topics: columns doc (id), body (text), topic (label)."""
    path = tmp_path / "topics.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["doc", "body", "topic"])
        writer.writeheader()
        writer.writerows(topic_rows())
    return path


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["EMBEDLAB_WORKSPACE"] = str(tmp_path / "cli-workspace")
    return env


EMBEDLAB = [sys.executable, "-m", "embedlab.cli"]


@pytest.fixture
def run(capsys, monkeypatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Invoke the CLI in-process on a fresh workspace: (exit code, stdout, stderr)."""
    from embedlab.cli import main

    workspace = tmp_path / "ws"

    def invoke(*args: str, ws: Path | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["embedlab", "--workspace", str(ws or workspace), *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        captured = capsys.readouterr()
        return int(exit_info.value.code or 0), captured.out, captured.err

    invoke.workspace = workspace  # type: ignore[attr-defined]
    return invoke
