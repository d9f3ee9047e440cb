"""The demo: a case study end to end on a sandbox dataset, ready for `embedlab serve`.

`fashion` (the default): Fashion-MNIST's 10,000 test images (`full`: all 70,000) embedded with
EfficientNet-Lite0 and with PCA of the pixels, a neighbour graph and UMAP maps of each, data and
label quality, image checks, a PNG of the map and example searches. `reviews`: Rotten Tomatoes
with MiniLM. `karate`: Zachary's karate club with DeepWalk, its club-split leave-one-out
accuracy and the 2-D map coloured by club (DeepWalk's figure). Every stage reuses what an
earlier run already stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from embedlab.analysis.evaluate import leave_one_out_accuracy
from embedlab.io.sandbox import get_sandbox
from embedlab.pipeline.embed import embed
from embedlab.pipeline.graph import DEFAULT_K, neighbors
from embedlab.pipeline.ingest import SANDBOX_PREFIX, ingest
from embedlab.pipeline.project import Projection, project_space, projection_key
from embedlab.pipeline.quality import quality
from embedlab.pipeline.search import SearchHit, search
from embedlab.plotting import plot_map
from embedlab.store.workspace import Dataset, Workspace

T = TypeVar("T")
CaseName = Literal["fashion", "reviews", "karate"]


@dataclass(frozen=True)
class CaseStudy:
    sandbox: str
    dataset: str
    spaces: tuple[str, ...]  # the first is the main one: quality, 3-D map, plot, searches
    queries: tuple[str, ...]
    query_by: Literal["text", "id"]
    graph: bool = False


FASHION = CaseStudy(
    sandbox="fashion-mnist-test",
    dataset="fashion",
    spaces=("efficientnet-lite0", "pixels-pca"),
    queries=(),  # the first three items: a sample may not hold any fixed id
    query_by="id",
)
CASES: dict[str, CaseStudy] = {
    "fashion": FASHION,
    "fashion-full": replace(FASHION, sandbox="fashion-mnist"),
    "reviews": CaseStudy(
        sandbox="rotten-tomatoes",
        dataset="rotten-tomatoes",
        spaces=("minilm",),
        queries=(
            "a heartwarming story about a family",
            "a boring sequel with terrible acting",
            "a documentary about war and politics",
        ),
        query_by="text",
    ),
    "karate": CaseStudy(
        sandbox="karate-club",
        dataset="karate",
        spaces=("deepwalk",),
        queries=("0", "33"),  # the two leaders: Mr. Hi and the officer
        query_by="id",
        graph=True,
    ),
}


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
    quality: dict[str, int] = field(default_factory=dict)
    #: graphs: leave-one-out accuracy of a linear probe predicting the label from the main space
    accuracy: float | None = None

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
            "quality": self.quality,
            "leave_one_out_accuracy": self.accuracy,
        }


def _timed(stages: list[Stage], name: str, work: Callable[[], tuple[T, bool, str]]) -> T:
    start = time.perf_counter()
    result, reused, detail = work()
    stages.append(Stage(name, round(time.perf_counter() - start, 2), reused, detail))
    return result


def _fetch(case: CaseStudy) -> tuple[None, bool, str]:
    sandbox = get_sandbox(case.sandbox)
    available = sandbox.is_available()
    sandbox.fetch()
    return None, available, sandbox.source


def _load(workspace: Workspace, case: CaseStudy, limit: int | None) -> tuple[Dataset, bool, str]:
    source = SANDBOX_PREFIX + case.sandbox
    if workspace.has_dataset(case.dataset):
        ds = workspace.dataset(case.dataset)
        if ds.meta.get("source") == source and ds.meta.get("limit") == limit:
            return ds, True, f"{len(ds):,} items"
    report = ingest(workspace, case.dataset, source, limit=limit)
    skipped = report.skipped_empty_text
    detail = f"{report.n_items:,} items" + (f", {skipped} empty texts skipped" if skipped else "")
    return report.dataset, False, detail


def _vectors(workspace: Workspace, dataset: str, space: str) -> tuple[int, bool, str]:
    report = embed(workspace, dataset, space)
    counts = report.space.meta.get("method_report", {})
    extra = f", {counts['truncated']} texts truncated" if "truncated" in counts else ""
    return report.space.dim, report.reused, f"{space}: {report.space.dim}-d{extra}"


def _graph(workspace: Workspace, dataset: str, space: str, k: int) -> tuple[None, bool, str]:
    had = workspace.result("neighbors", dataset, space) is not None
    result = neighbors(workspace, dataset, space, k=k)
    return None, had, f"{space}: k={result.k}, {result.method}"


def _map(workspace: Workspace, dataset: str, space: str, dims: int) -> tuple[Projection, bool, str]:
    result = project_space(workspace, dataset, space, method="umap", dims=dims)
    return result, result.reused, f"{space}: UMAP {dims}-D"


def _quality(workspace: Workspace, dataset: str, space: str) -> tuple[dict[str, int], bool, str]:
    entry = workspace.result("columns", dataset, f"quality-{space}")
    if entry is not None:
        flagged = {k: v.get("flagged", 0) for k, v in entry.meta.get("checks", {}).items()}
        return flagged, True, _flagged_text(flagged)
    report = quality(workspace, dataset, space)
    flagged = {c.name: int(c.flags.sum()) for c in report.checks}
    return flagged, False, _flagged_text(flagged)


def _flagged_text(flagged: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in flagged.items())


def _plot(projection: Projection, ds: Dataset, dim: int, path: Path) -> tuple[Path, bool, str]:
    if projection.reused and path.exists():
        return path, True, str(path)
    kind = "images" if ds.meta.get("image_column") else "texts"
    kind = "nodes" if ds.meta.get("kind") == "graph" else kind
    title = f"{ds.name}: {len(ds):,} {kind}, {projection.space} ({dim}-d), UMAP"
    return plot_map(projection.coords, ds.labels(), path, title), False, str(path)


def _loo(workspace: Workspace, dataset: Dataset, space: str) -> tuple[float, bool, str]:
    vectors = workspace.space(dataset, space).vectors()
    accuracy = leave_one_out_accuracy(vectors, np.asarray(dataset.labels(), dtype=object))
    return accuracy, False, f"{space}: label accuracy {accuracy:.3f} (leave-one-out)"


def run_demo(
    workspace: Workspace,
    *,
    case: str = "fashion",
    limit: int | None = None,
    k: int = DEFAULT_K,
) -> DemoSummary:
    """Every stage of a case study, timed; stages whose result is stored are reused."""
    study = CASES[case]
    main = study.spaces[0]
    stages: list[Stage] = []
    _timed(stages, "fetch", lambda: _fetch(study))
    ds = _timed(stages, "ingest", lambda: _load(workspace, study, limit))
    dims = {
        s: _timed(stages, "embed", lambda s=s: _vectors(workspace, ds.name, s))
        for s in study.spaces
    }
    for space in study.spaces:
        _timed(stages, "neighbours", lambda s=space: _graph(workspace, ds.name, s, k))
    maps = {
        s: _timed(stages, "project", lambda s=s: _map(workspace, ds.name, s, 2))
        for s in study.spaces
    }
    _timed(stages, "project", lambda: _map(workspace, ds.name, main, 3))
    accuracy = None
    if study.graph:
        accuracy = _timed(stages, "evaluate", lambda: _loo(workspace, ds, main))
    # one audit: the image checks of an image dataset run inside `quality`
    flagged = _timed(stages, "quality", lambda: _quality(workspace, ds.name, main))
    key = projection_key(main, "umap", 2).replace("/", "-")
    plot_path = workspace.plots_path / f"{ds.name}-{key}.png"
    _timed(stages, "plot", lambda: _plot(maps[main], ds, dims[main], plot_path))
    summary = DemoSummary(
        workspace.path.resolve(), ds.name, main, len(ds), dims[main], plot_path.resolve(), stages
    )
    summary.quality = flagged
    summary.accuracy = accuracy
    start = time.perf_counter()
    for query in study.queries or tuple(ds.ids()[:3]):
        hits = search(workspace, ds.name, main, query, by=study.query_by, k=5)
        summary.queries.append((query, hits))
    elapsed = round(time.perf_counter() - start, 2)
    stages.append(Stage("search", elapsed, False, f"{len(summary.queries)} queries"))
    return summary
