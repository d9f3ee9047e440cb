"""embedlab: make, check, use and see embeddings.

Everything public is importable from here; heavy modules load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "EmbedlabError": "embedlab.errors",
    "EntityEmbedding": "embedlab.methods.entity",
    "InvalidInputError": "embedlab.errors",
    "MiniLM": "embedlab.methods.transformer",
    "MissingDependencyError": "embedlab.errors",
    "NeighborGraph": "embedlab.analysis.neighbors",
    "NotFittedError": "embedlab.errors",
    "NotFoundError": "embedlab.errors",
    "OneHot": "embedlab.methods.onehot",
    "PCAEmbedder": "embedlab.methods.linear",
    "Records": "embedlab.methods.records",
    "TfidfSVD": "embedlab.methods.linear",
    "Workspace": "embedlab.store.workspace",
    "WorkspaceError": "embedlab.errors",
    "build_neighbor_graph": "embedlab.analysis.neighbors",
    "embed": "embedlab.pipeline.embed",
    "export_space": "embedlab.pipeline.export",
    "ingest": "embedlab.pipeline.ingest",
    "neighbors": "embedlab.pipeline.graph",
    "project": "embedlab.analysis.projection",
    "project_space": "embedlab.pipeline.project",
    "run_demo": "embedlab.pipeline.demo",
    "search": "embedlab.pipeline.search",
    "widget": "embedlab.notebook",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'embedlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
