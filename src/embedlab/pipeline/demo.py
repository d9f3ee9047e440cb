"""The demo: Rotten Tomatoes embedded with MiniLM, its neighbour graph, a UMAP map, a PNG and
three example searches. Every stage reuses what an earlier run already stored."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from embedlab.io.sandbox import SandboxDataset, get_sandbox
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.pipeline.ingest import SANDBOX_PREFIX, ingest
from embedlab.pipeline.project import Projection, project_space, projection_key
from embedlab.pipeline.search import SearchHit, search
from embedlab.plotting import plot_map
from embedlab.store.workspace import Dataset, Space, Workspace

DEMO_DATASET = "rotten-tomatoes"
DEMO_SPACE = "minilm"
DEMO_QUERIES = (
    "a heartwarming story about a family",
    "a boring sequel with terrible acting",
    "a documentary about war and politics",
)
T = TypeVar("T")


@dataclass
class Stage:
    name: str
    seconds: float
    reused: bool
    detail: str = ""


@dataclass
class DemoSummary:
    workspace: Path
    dataset: str
    space: str
    n_items: int
    dim: int
    plot: Path
    stages: list[Stage] = field(default_factory=list)
    queries: list[tuple[str, list[SearchHit]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "dataset": self.dataset,
            "space": self.space,
            "n_items": self.n_items,
            "dim": self.dim,
            "plot": str(self.plot),
            "stages": [vars(s) for s in self.stages],
            "queries": [
                {"query": q, "hits": [h.to_dict() for h in hits]} for q, hits in self.queries
            ],
            "notes": self.notes,
        }


def _timed(stages: list[Stage], name: str, work: Callable[[], tuple[T, bool, str]]) -> T:
    start = time.perf_counter()
    result, reused, detail = work()
    stages.append(Stage(name, round(time.perf_counter() - start, 2), reused, detail))
    return result


def _fetch(sandbox: SandboxDataset) -> tuple[None, bool, str]:
    available = sandbox.is_available()
    sandbox.fetch()
    return None, available, sandbox.source


def _load(workspace: Workspace, dataset: str) -> tuple[Dataset, bool, str]:
    source = SANDBOX_PREFIX + DEMO_DATASET
    if workspace.has_dataset(dataset) and workspace.dataset(dataset).meta.get("source") == source:
        ds = workspace.dataset(dataset)
        return ds, True, f"{len(ds):,} items"
    report = ingest(workspace, dataset, source)
    skipped = report.skipped_empty_text
    return report.dataset, False, f"{report.n_items:,} items, {skipped} empty texts skipped"


def _vectors(workspace: Workspace, dataset: str) -> tuple[Space, bool, str]:
    report = embed(workspace, dataset, DEMO_SPACE)
    truncated = report.space.meta.get("method_report", {}).get("truncated", 0)
    return report.space, report.reused, f"{report.space.dim}-d, {truncated} texts truncated"


def _graph(workspace: Workspace, dataset: str, k: int) -> tuple[None, bool, str]:
    had = workspace.result("neighbors", dataset, DEMO_SPACE) is not None
    result = neighbors(workspace, dataset, DEMO_SPACE, k=k)
    return None, had, f"k={result.k}, {result.method}"


def _map(workspace: Workspace, dataset: str) -> tuple[Projection, bool, str]:
    result = project_space(workspace, dataset, DEMO_SPACE, method="umap", dims=2)
    return result, result.reused, "UMAP 2-D"


def _plot(projection: Projection, ds: Dataset, dim: int, path: Path) -> tuple[Path, bool, str]:
    if projection.reused and path.exists():
        return path, True, str(path)
    title = f"{ds.name}: {len(ds):,} texts, {DEMO_SPACE} ({dim}-d), UMAP"
    return plot_map(projection.coords, ds.labels(), path, title), False, str(path)


def run_demo(
    workspace: Workspace, *, dataset: str = DEMO_DATASET, k: int = DEFAULT_K
) -> DemoSummary:
    """Every stage of the demo, timed; stages whose result is stored are reused."""
    stages: list[Stage] = []
    _timed(stages, "fetch", lambda: _fetch(get_sandbox(DEMO_DATASET)))
    ds = _timed(stages, "ingest", lambda: _load(workspace, dataset))
    space = _timed(stages, "embed", lambda: _vectors(workspace, dataset))
    _timed(stages, "neighbours", lambda: _graph(workspace, dataset, k))
    projection = _timed(stages, "project", lambda: _map(workspace, dataset))
    key = projection_key(DEMO_SPACE, "umap", 2).replace("/", "-")
    plot_path = workspace.plots_path / f"{dataset}-{key}.png"
    _timed(stages, "plot", lambda: _plot(projection, ds, space.dim, plot_path))
    summary = DemoSummary(
        workspace.path.resolve(),
        dataset,
        DEMO_SPACE,
        len(ds),
        space.dim,
        plot_path.resolve(),
        stages,
    )
    start = time.perf_counter()
    for query in DEMO_QUERIES:
        summary.queries.append((query, search(workspace, dataset, DEMO_SPACE, query, k=5)))
    elapsed = round(time.perf_counter() - start, 2)
    stages.append(Stage("search", elapsed, False, f"{len(DEMO_QUERIES)} queries"))
    return summary
