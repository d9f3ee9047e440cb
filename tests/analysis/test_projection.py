"""Projections are seeded and reproducible; UMAP and t-SNE keep clusters apart."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.analysis.projection import project
from embedlab.errors import InvalidInputError
from tests.analysis.test_neighbors import clustered


def separation(coords: np.ndarray, labels: np.ndarray) -> float:
    """Share of points whose nearest other point in the map has the same label."""
    d = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return float((labels[d.argmin(1)] == labels).mean())


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, 20)) * 3
    labels = rng.integers(0, 4, 400)
    return (centres[labels] + rng.normal(size=(400, 20))).astype(np.float32), labels


def test_pca_is_reproducible() -> None:
    x = clustered(100)
    np.testing.assert_array_equal(project(x, "pca", 2), project(x, "pca", 2))
    assert project(x, "pca", 3).shape == (100, 3)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["umap", "tsne"])
@pytest.mark.parametrize("dims", [2, 3])
def test_graph_projections_are_seeded_and_keep_clusters(method: str, dims: int, data) -> None:
    x, labels = data
    graph = build_neighbor_graph(x, k=15)
    first = project(x, method, dims, graph=graph, seed=3)
    again = project(x, method, dims, graph=graph, seed=3)
    assert first.shape == (400, dims) and first.dtype == np.float32
    np.testing.assert_allclose(first, again, atol=1e-5)
    assert separation(first, labels) > 0.95


def test_bad_method_and_dims() -> None:
    x = clustered(30)
    with pytest.raises(InvalidInputError, match="use one of pca, umap, tsne"):
        project(x, "mds", 2)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="2 or 3"):
        project(x, "pca", 4)
