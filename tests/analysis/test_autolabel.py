"""Label spreading on constructed clusters: a few labels per class label the rest."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.autolabel import sample_known, spread_labels
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.errors import InvalidInputError


def clusters(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 16)) * 5
    truth = np.repeat(np.arange(4), 100)
    return (centres[truth] + rng.normal(size=(400, 16))).astype(np.float32), truth


def test_three_labels_per_class_label_the_rest() -> None:
    vectors, truth = clusters()
    graph = build_neighbor_graph(vectors, k=10)
    keep = sample_known(truth, 12)
    assert len(keep) == 12 and set(np.bincount(truth[keep])) == {3}
    seeds = np.full(len(truth), -1)
    seeds[keep] = truth[keep]
    predicted, confidence = spread_labels(graph, seeds, 4)
    assert (predicted == truth).mean() > 0.97
    assert confidence.min() > 0.25 and confidence.max() <= 1.0


def test_known_fewer_than_classes_and_no_labels_are_errors() -> None:
    vectors, truth = clusters()
    graph = build_neighbor_graph(vectors, k=5)
    with pytest.raises(InvalidInputError, match="fewer than the 4 classes"):
        sample_known(truth, 3)
    with pytest.raises(InvalidInputError, match="at least one known label"):
        spread_labels(graph, np.full(len(truth), -1), 4)


def test_pipeline_reports_accuracy_and_stores_columns(ws) -> None:
    from embedlab.pipeline.autolabel import autolabel
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest

    ingest(ws, "digits", "sandbox:digits")
    embed(ws, "digits", "pca", params={"n_components": 30})
    report = autolabel(ws, "digits", "pca", known=100)
    assert report.known == 100 and report.predicted == 1697
    assert report.accuracy is not None and report.accuracy > 0.85
    table = ws.open_table(ws.result("columns", "digits", "autolabel-pca")).to_arrow()
    assert table.num_rows == 1797 and int(table.column("label_known").to_numpy().sum()) == 100
