"""The demo: Rotten Tomatoes embedded with MiniLM, its neighbour graph, a UMAP map, a PNG and
three example searches. Every stage reuses what an earlier run already stored."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from embedlab.io.sandbox import get_sandbox
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.pipeline.ingest import SANDBOX_PREFIX, ingest
from embedlab.pipeline.project import project_space, projection_key
from embedlab.pipeline.search import SearchHit, search
from embedlab.plotting import plot_map
from embedlab.store.workspace import Workspace

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


def run_demo(
    workspace: Workspace, *, dataset: str = DEMO_DATASET, k: int = DEFAULT_K
) -> DemoSummary:
    stages: list[Stage] = []
    sandbox = get_sandbox(DEMO_DATASET)
    source = SANDBOX_PREFIX + DEMO_DATASET

    def fetch() -> tuple[None, bool, str]:
        available = sandbox.is_available()
        sandbox.fetch()
        return None, available, sandbox.source

    def load() -> tuple[Any, bool, str]:
        if (
            workspace.has_dataset(dataset)
            and workspace.dataset(dataset).meta.get("source") == source
        ):
            ds = workspace.dataset(dataset)
            return ds, True, f"{len(ds):,} items"
        report = ingest(workspace, dataset, source)
        skipped = report.skipped_empty_text
        return report.dataset, False, f"{report.n_items:,} items, {skipped} empty texts skipped"

    def vectors() -> tuple[Any, bool, str]:
        report = embed(workspace, dataset, DEMO_SPACE)
        truncated = report.space.meta.get("method_report", {}).get("truncated", 0)
        return report.space, report.reused, f"{report.space.dim}-d, {truncated} texts truncated"

    def graph() -> tuple[Any, bool, str]:
        had = workspace.result("neighbors", dataset, DEMO_SPACE) is not None
        result = neighbors(workspace, dataset, DEMO_SPACE, k=k)
        return result, had, f"k={result.k}, {result.method}"

    def umap_map() -> tuple[Any, bool, str]:
        result = project_space(workspace, dataset, DEMO_SPACE, method="umap", dims=2)
        return result, result.reused, "UMAP 2-D"

    _timed(stages, "fetch", fetch)
    ds = _timed(stages, "ingest", load)
    space = _timed(stages, "embed", vectors)
    _timed(stages, "neighbours", graph)
    projection = _timed(stages, "project", umap_map)
    plot_path = (
        workspace.plots_path
        / f"{dataset}-{projection_key(DEMO_SPACE, 'umap', 2).replace('/', '-')}.png"
    )

    def plot() -> tuple[Path, bool, str]:
        if projection.reused and plot_path.exists():
            return plot_path, True, str(plot_path)
        labels = ds.labels()
        title = f"{dataset}: {len(ds):,} texts, {DEMO_SPACE} ({space.dim}-d), UMAP"
        return plot_map(projection.coords, labels, plot_path, title), False, str(plot_path)

    _timed(stages, "plot", plot)
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
    stages.append(
        Stage(
            "search", round(time.perf_counter() - start, 2), False, f"{len(DEMO_QUERIES)} queries"
        )
    )
    return summary
