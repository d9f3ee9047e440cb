"""Bad inputs an outside tester tries on graphs, ratings, records and the neural methods: each
was a crash, a hang or a silent wrong result, and is now refused with one clear message naming
the file, line, column or id, what was expected and what came. Small files, real code paths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.io.graphs import build_graph, read_edge_list
from embedlab.methods.graph import GraphInput, Node2Vec
from embedlab.pipeline.ingest import GraphOptions, ingest
from embedlab.store.workspace import Workspace


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- graphs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a,b,1e40\n", "is over 3.4e+38, the largest weight stored: got '1e40'"),
        ("a,b,inf\n", "is not a finite number: got 'inf'"),
        ("a,b,\n", "is empty: got an empty cell"),  # was: "is not a number: got nan"
    ],
)
def test_a_weight_float32_cannot_hold_is_refused_with_its_line(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = write(tmp_path, "w.csv", "source,target,w\nb,c,2\n" + text)
    with pytest.raises(InvalidInputError, match=re.escape(fragment)) as info:
        read_edge_list(path, weight="w")
    assert "line 3 of" in str(info.value)


def test_duplicate_edges_summing_past_float32_are_refused(tmp_path: Path) -> None:
    # each weight fits, their sum does not: it was stored as inf and the spectral map was zeros
    path = write(tmp_path, "w.csv", "source,target,w\na,b,3e38\nb,a,3e38\nb,c,2\n")
    with pytest.raises(InvalidInputError, match="between nodes 'a' and 'b' in .*w.csv' sum to"):
        build_graph(read_edge_list(path, weight="w"))
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(InvalidInputError):
        ingest(ws, "g", path, graph=GraphOptions(weight="w"))
    assert not ws.has_dataset("g")


@pytest.mark.parametrize(("name", "value"), [("p", float("inf")), ("p", 1e9), ("q", 0.0001)])
def test_node2vec_bias_that_would_hang_the_walks_is_refused(name: str, value: float) -> None:
    # p=inf: a walk at a leaf can only step back, which p=inf never accepts (an endless loop)
    leaf = GraphInput.from_edges([0], [1], n_nodes=2)
    with pytest.raises(InvalidInputError, match=rf"'{name}' parameter of Node2Vec must be a flo"):
        Node2Vec(**{name: value}, walk_length=5, num_walks=1, dimensions=4).fit(leaf)
    vectors = Node2Vec(p=100.0, q=0.01, walk_length=5, num_walks=1, dimensions=4, workers=1)
    assert np.isfinite(vectors.fit_transform(leaf)).all()  # the bounds themselves still walk
