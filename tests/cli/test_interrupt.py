"""Ctrl+C: exit code 130 and a line on stderr saying what was kept (typer alone exits silently)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedlab.store.workspace import Workspace

EMBED = ("embed", "t", "--method", "tfidf-svd", "--param", "min_df=1", "--batch-rows", "10")


def test_ctrl_c_during_embed_says_how_to_resume(
    run, topics_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embedlab.methods.linear import TfidfSVD

    run("ingest", "t", str(topics_csv), "--text", "body", "--id", "doc")
    transform = TfidfSVD.transform
    calls = []

    def interrupted_on_second_batch(self: Any, texts: Any) -> Any:
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return transform(self, texts)

    monkeypatch.setattr(TfidfSVD, "transform", interrupted_on_second_batch)
    code, out, err = run(*EMBED)
    assert code == 130 and out == ""
    flat = " ".join(err.split())
    assert "Interrupted: committed batches are kept; run the same command again to resume." in flat
    assert Workspace(run.workspace).space_names("t") == [], "no half space is visible"

    monkeypatch.setattr(TfidfSVD, "transform", transform)
    code, out, err = run(*EMBED, "--json")
    assert code == 0, err
    assert json.loads(out)["resumed_rows"] == 10


def test_ctrl_c_elsewhere_exits_130_with_a_line(
    run, topics_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import embedlab.pipeline.inventory

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(embedlab.pipeline.inventory, "describe_workspace", interrupted)
    code, out, err = run("ls")
    assert code == 130 and out == ""
    assert "Interrupted: what was stored before this command is intact." in " ".join(err.split())
