"""The `quality` command imports what the audit uses only: no model runtime, no Ray, no
projection library, no Datalab (whose `datasets` import alone is ~0.6 s of a 3k-item audit),
and not the registry of every embedding method (pandas, torch-backed modules). Checked in a
fresh interpreter, through its `sys.modules`, on an image dataset with labels (so the vector,
label, image and copy checks all run), and on a labelled text dataset whose graph is stored
(no numba either)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embedlab.pipeline.embed import embed
from embedlab.pipeline.ingest import ingest
from embedlab.store.workspace import Workspace

pytestmark = pytest.mark.slow  # four fresh audit processes: ~30 s on the shared machine

#: packages a quality run must not import (prefixes of module names)
NOT_IMPORTED = (
    "torch",
    "ray",
    "umap",
    "pynndescent",
    "datasets",
    "transformers",
    "sentence_transformers",
    "onnxruntime",
    "openvino",
    "gensim",
    "cleanlab.datalab",
    "cleanlab.classification",
    "embedlab.methods.cnn",
    "embedlab.pipeline.embed",
    "embedlab.api.app",
)


def audited_modules(workspace: Path, *args: str) -> tuple[list[str], dict]:
    """The modules imported by `embedlab quality ...` in a fresh interpreter, and its report."""
    code = textwrap.dedent(
        f"""
        import atexit, json, sys
        atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules))))
        from embedlab.cli import main
        sys.argv = ["embedlab", "--workspace", {str(workspace)!r}, "quality", *{list(args)!r}]
        main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=True,
    )
    modules = json.loads(done.stderr.rsplit("MODULES ", 1)[1])
    return modules, json.loads(done.stdout)


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_IMPORTED)]


def test_an_image_audit_imports_no_model_runtime_ray_or_datalab(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "workspace")
    ingest(workspace, "digits", "sandbox:digits", limit=300)
    embed(workspace, "digits", "pixels-pca", params={"n_components": 16})
    for run in ("first", "again"):  # measures computed, then read back
        modules, report = audited_modules(workspace.path, "digits", "pixels-pca", "--json")
        assert {"label_issue", "near_duplicate", "dark"} <= set(report["checks"]), run
        assert heavy(modules) == [], run
        assert "cleanlab.filter" in modules  # the label check ran on cleanlab itself


#: what an audit of texts whose graph is stored does not need either: numba (its kernels build
#: graphs and register images; ~0.3 s to import) and the neighbour indexes
NOT_FOR_TEXTS = ("numba", "llvmlite", "hnswlib", "embedlab.analysis.registration")


def test_a_text_audit_with_a_stored_graph_imports_no_numba(
    tmp_path: Path, topics_csv: Path
) -> None:
    workspace = Workspace(tmp_path / "workspace")
    ingest(workspace, "t", str(topics_csv), text="body", id="doc", label="topic")
    embed(workspace, "t", "tfidf-svd", params={"min_df": 1, "n_components": 4})
    audited_modules(workspace.path, "t", "tfidf-svd", "-k", "5", "--json")  # stores the graph
    modules, report = audited_modules(workspace.path, "t", "tfidf-svd", "-k", "5", "--json")
    assert {"label_issue", "near_duplicate", "empty_text"} <= set(report["checks"])
    assert heavy(modules) == []
    assert [m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_FOR_TEXTS)] == []
