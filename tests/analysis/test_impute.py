"""Missing values from neighbours, on clusters whose attributes are known."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.impute import estimate_missing, evaluate_estimates
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.errors import InvalidInputError


@pytest.fixture(scope="module")
def data() -> tuple:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 12)) * 5
    cluster = np.repeat(np.arange(3), 80)
    vectors = (centres[cluster] + rng.normal(size=(240, 12))).astype(np.float32)
    price = [float(10 * (c + 1) + rng.normal() * 0.5) for c in cluster]
    colour = [("red", "green", "blue")[c] for c in cluster]
    return build_neighbor_graph(vectors, k=8), cluster, price, colour


def test_numeric_and_categorical_gaps_are_filled_from_neighbours(data) -> None:
    graph, cluster, price, colour = data
    price, colour = list(price), list(colour)
    for row in (5, 100, 200):
        price[row] = float("nan")
        colour[row] = None
    numbers = estimate_missing(graph, price)
    assert numbers.numeric
    for row in (5, 100, 200):
        assert abs(numbers.values[row] - 10 * (cluster[row] + 1)) < 1.0
    words = estimate_missing(graph, colour)
    assert [words.values[r] for r in (5, 100, 200)] == ["red", "green", "blue"]
    assert words.support[5] > 0.9


def test_hiding_known_values_beats_the_naive_guess(data) -> None:
    graph, _, price, colour = data
    numeric = evaluate_estimates(graph, price)
    assert numeric["mae"] < numeric["baseline_mae"] / 5
    categorical = evaluate_estimates(graph, colour)
    assert categorical["accuracy"] > 0.95 > categorical["baseline_accuracy"]


def test_a_column_with_nothing_known_is_an_error(data) -> None:
    graph = data[0]
    with pytest.raises(InvalidInputError, match="Every value"):
        estimate_missing(graph, [None] * 240)


def test_pipeline_stores_filled_column(ws, tmp_path) -> None:
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.impute import impute
    from embedlab.pipeline.ingest import ingest

    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pixels-pca", params={"n_components": 20})
    report = impute(ws, "digits", "pixels-pca", "label")
    assert report["missing"] == 0 and report["evaluation"]["accuracy"] > 0.9
    entry = ws.result("columns", "digits", "impute-pixels-pca-label")
    assert entry is not None and entry.meta["space"] == "pixels-pca"
