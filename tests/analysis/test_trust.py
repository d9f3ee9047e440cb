"""Map trust: the share of an item's space neighbours that stay its neighbours on the map."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from embedlab.analysis.neighbors import NeighborGraph, count_shared
from embedlab.analysis.trust import map_neighbours, map_trust
from embedlab.errors import InvalidInputError


def euclidean_graph(points: np.ndarray, k: int) -> NeighborGraph:
    """The exact Euclidean k-NN graph of `points` (self excluded), as the store keeps it."""
    found = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)[1][:, 1:]
    return NeighborGraph(
        indices=found.astype(np.int32),
        similarities=np.zeros(found.shape, np.float32),
        method="exact",
    )


def test_count_shared_matches_sets() -> None:
    rng = np.random.default_rng(3)
    first = np.stack([rng.choice(50, 8, replace=False) for _ in range(200)])
    second = np.stack([rng.choice(50, 6, replace=False) for _ in range(200)])
    expected = [len(set(a) & set(b)) for a, b in zip(first, second, strict=True)]
    assert count_shared(first, second).tolist() == expected
    assert expected.count(0) > 0 and max(expected) >= 3  # the check sees both ends


def test_a_map_that_is_the_space_is_trusted_fully_and_a_shuffled_one_is_not() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(2_000, 2))
    graph = euclidean_graph(points, 10)
    same = map_trust(points * 3.0 + 1.0, graph, k=10)  # scaled and moved: the same neighbours
    assert same.trust.dtype == np.float32 and same.trust.shape == (2_000,)
    assert same.summary["mean_trust"] == 1.0 and same.summary["no_neighbour_kept"] == 0
    shuffled = map_trust(points[rng.permutation(2_000)], graph, k=10)
    assert shuffled.summary["mean_trust"] < 0.02  # chance: 10 / 1,999
    assert shuffled.summary["random_map_trust"] == round(10 / 1_999, 6)


def test_trust_of_a_squashed_dimension_is_partial_and_local() -> None:
    """3-D points whose third axis separates two slabs, mapped to the first two axes: the
    slabs overlap on the map, so about half of each item's neighbours are strangers."""
    rng = np.random.default_rng(1)
    flat = rng.uniform(size=(4_000, 2))
    slab = np.repeat([0.0, 100.0], 2_000)
    graph = euclidean_graph(np.column_stack([flat, slab]), 15)
    result = map_trust(flat, graph, k=15)
    assert 0.35 < result.summary["mean_trust"] < 0.65
    assert 0.0 <= result.trust.min() and result.trust.max() <= 1.0


def test_map_neighbours_skip_the_point_itself_among_duplicates() -> None:
    coords = np.repeat(np.arange(20, dtype=float)[:, None], 2, axis=0)  # every point twice
    coords = np.column_stack([coords[:, 0], np.zeros(40)])
    found = map_neighbours(coords, 3)
    assert found.shape == (40, 3)
    assert not (found == np.arange(40)[:, None]).any()
    assert (found[:, 0] // 2 == np.arange(40) // 2).all()  # the twin comes first


@pytest.mark.parametrize(
    ("coords", "k", "message"),
    [
        (np.zeros((9, 2)), 3, "graph's 10 items"),
        (np.zeros((10, 4)), 3, "2-D or 3-D"),
        (np.full((10, 2), np.nan), 3, "finite"),
        (np.zeros((10, 2)), 0, "'k' parameter of map_trust must be an int in [1, 5]"),
        (np.zeros((10, 2)), 6, "Got 6 instead"),
    ],
)
def test_bad_maps_and_k_are_refused(coords: np.ndarray, k: int, message: str) -> None:
    graph = NeighborGraph(
        indices=np.zeros((10, 5), np.int32), similarities=np.zeros((10, 5), np.float32), method="x"
    )
    with pytest.raises(InvalidInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        map_trust(coords, graph, k=k)


def test_map_neighbours_drop_each_point_even_among_duplicates() -> None:
    # five copies of one point: a copy's k + 1 nearest may leave out the copy itself
    coords = np.array([[0.0, 0.0]] * 5 + [[5.0, 5.0], [5.0, 5.1]])
    found = map_neighbours(coords, 2)
    assert found.shape == (7, 2)
    for row, neighbours in enumerate(found.tolist()):
        assert row not in neighbours and len(set(neighbours)) == 2
        if row < 5:
            assert set(neighbours) <= {0, 1, 2, 3, 4}
    assert found[5, 0] == 6 and found[6, 0] == 5
    with pytest.raises(InvalidInputError, match="one row of each per item"):
        count_shared(found, found[:3])
