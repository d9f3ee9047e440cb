"""`evaluate --links`: link prediction on held-out edges for each graph space of a dataset.

The held-out edges are hidden from the method: each space's method is fitted again, with the
space's own parameters, on the training graph only; its vectors then score the held-out edges
against sampled non-edges (analysis.links). Nothing is stored but the run record.
"""

from __future__ import annotations

import time

from embedlab import methods, progress
from embedlab.analysis.links import EdgeSplit, LinkResult, score_links, split_edges
from embedlab.checks import check_seed
from embedlab.errors import InvalidInputError
from embedlab.methods.graph import GraphInput, SpectralEmbedding
from embedlab.pipeline.graphs import edges_entry, graph_input, read_edges
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Workspace

SPECTRAL_BASELINE = "spectral (baseline)"


def evaluate_links(
    workspace: Workspace,
    name: str,
    spaces: list[str] | None = None,
    *,
    fraction: float = 0.1,
    seed: int = 0,
    spectral_baseline: bool = True,
) -> list[LinkResult]:
    """ROC AUC (cosine and Hadamard features) of each graph space's method refitted on the
    graph without `fraction` of its edges; plus Laplacian eigenmaps unless a spectral space is
    among them. Recorded in the manifest."""
    seed = check_seed(seed, "evaluate")
    dataset = workspace.dataset(name)
    edges_entry(workspace, dataset)  # a clear error for a dataset that is not a graph
    directed = bool(dataset.meta.get("directed"))
    source, target, _ = read_edges(workspace, dataset)
    split = split_edges(
        source, target, len(dataset), fraction=fraction, seed=seed, directed=directed
    )
    train_graph = graph_input(workspace, dataset, keep=split.train)
    names = spaces if spaces is not None else workspace.space_names(name)
    chosen = [workspace.space(dataset, s) for s in names]
    for space in chosen:
        if methods.get(space.method).modality != "graph":
            raise InvalidInputError(
                f"Space '{space.name}' was made by '{space.method}', not from the graph's edges; "
                "link prediction refits a graph method (deepwalk, node2vec, spectral)."
            )
    results = []
    with progress.task(f"Link prediction on '{name}'", total=len(chosen) + 1) as bar:
        for space in chosen:
            estimator = methods.get(space.method).from_params(space.params)
            results.append(_score(space.name, estimator, train_graph, split, seed))
            bar.advance(1)
        if spectral_baseline and not any(s.method == "spectral" for s in chosen):
            results.append(
                _score(SPECTRAL_BASELINE, SpectralEmbedding(seed=seed), train_graph, split, seed)
            )
        bar.advance(1)
    run = RunRecord(
        kind="evaluate",
        dataset=name,
        method="link-prediction",
        params={"spaces": names, "fraction": fraction},
        seed=seed,
    )
    run.report = {
        "held_out_edges": split.n_test_edges,
        "requested": split.requested,
        "results": [r.to_dict() for r in results],
    }
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
    return results


def _score(
    name: str, estimator: methods.Embedder, graph: GraphInput, split: EdgeSplit, seed: int
) -> LinkResult:
    started = time.perf_counter()
    vectors = estimator.fit(graph).transform(graph)
    result = score_links(name, vectors, split, seed=seed)
    result.seconds = round(time.perf_counter() - started, 2)
    return result
