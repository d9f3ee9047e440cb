"""DeepWalk, node2vec and spectral: walks follow the graph, seeds reproduce, the karate club's
clubs separate, held-out links are recovered."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest

from embedlab.analysis.evaluate import leave_one_out_accuracy
from embedlab.analysis.links import score_links, split_edges
from embedlab.errors import InvalidInputError
from embedlab.methods.graph import (
    DeepWalk,
    GraphInput,
    Node2Vec,
    SpectralEmbedding,
    skipgram,
    spectral,
)
from embedlab.methods.graph.walks import cumulative_weights, random_walks

SMALL = {"dimensions": 16, "num_walks": 4, "walk_length": 20}


def planted(n: int = 200, p_in: float = 0.15, p_out: float = 0.01, seed: int = 0):
    graph = nx.planted_partition_graph(2, n // 2, p_in, p_out, seed=seed)
    edges = np.asarray(graph.edges(), dtype=np.int64)
    labels = np.repeat(["a", "b"], n // 2).astype(object)
    return GraphInput.from_edges(edges[:, 0], edges[:, 1], n_nodes=n), edges, labels


def karate() -> tuple[GraphInput, np.ndarray]:
    graph = nx.karate_club_graph()
    labels = np.asarray([d["club"] for _, d in graph.nodes(data=True)], dtype=object)
    return GraphInput.from_matrix(nx.to_scipy_sparse_array(graph, weight=None)), labels


def walks_of(graph: GraphInput, starts: np.ndarray, p: float = 1.0, q: float = 1.0, seed: int = 0):
    cumulative = cumulative_weights(graph.indptr, graph.weights)
    return random_walks(
        graph.indptr, graph.indices, cumulative, graph.weighted, starts, 30, p, q, seed, 0
    )


def test_walks_follow_edges_and_are_the_same_on_any_thread_count() -> None:
    graph, _, _ = planted(60)
    starts = np.arange(60, dtype=np.int32)
    adjacency = graph.to_scipy()
    walks = walks_of(graph, starts, p=0.5, q=2.0, seed=7)
    for walk in walks:
        steps = walk[walk >= 0]
        assert all(adjacency[a, b] > 0 for a, b in zip(steps[:-1], steps[1:], strict=True))
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        again = walks_of(graph, starts, p=0.5, q=2.0, seed=7)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(walks, again)
    assert not np.array_equal(walks, walks_of(graph, starts, p=0.5, q=2.0, seed=8))


def test_weights_bias_steps_and_direction_is_honoured() -> None:
    # undirected 0 - 1 (weight 1) and 0 - 2 (weight 9): from 0, nine steps in ten go to 2
    graph = GraphInput.from_edges([0, 0], [1, 2], [1.0, 9.0], n_nodes=3)
    walks = walks_of(graph, np.zeros(4000, dtype=np.int32))
    share = float((walks[:, 1] == 2).mean())
    assert 0.87 < share < 0.93, share
    directed = GraphInput.from_edges([0, 1], [1, 2], n_nodes=3, directed=True)
    walks = walks_of(directed, np.array([0, 2], dtype=np.int32))
    assert walks[0, :3].tolist() == [0, 1, 2] and (walks[0, 3:] == -1).all()
    assert walks[1, 0] == 2 and (walks[1, 1:] == -1).all()  # no out-edge: the walk stops


def test_node2vec_low_p_returns_more_often() -> None:
    graph, _, _ = planted(100)
    starts = np.arange(100, dtype=np.int32).repeat(5)

    def returns(p: float) -> float:
        walks = walks_of(graph, starts, p=p, q=1.0)
        return float((walks[:, 2:] == walks[:, :-2]).mean())

    assert returns(0.1) > 2 * returns(1.0)


def test_same_seed_one_worker_same_vectors() -> None:
    graph, _, _ = planted(80)
    first = DeepWalk(**SMALL, workers=1, seed=3).fit_transform(graph)
    np.testing.assert_array_equal(first, DeepWalk(**SMALL, workers=1, seed=3).fit_transform(graph))
    assert not np.allclose(first, DeepWalk(**SMALL, workers=1, seed=4).fit_transform(graph))
    node2vec = Node2Vec(**SMALL, p=0.5, q=2.0, workers=1, seed=3)
    np.testing.assert_array_equal(
        node2vec.fit_transform(graph), Node2Vec(**node2vec.get_params()).fit_transform(graph)
    )


def test_karate_club_leave_one_out_accuracy_with_deepwalk() -> None:
    graph, labels = karate()
    vectors = DeepWalk(seed=0).fit_transform(graph)  # the defaults: 128-d, 10 walks of 80
    assert vectors.shape == (34, 128) and vectors.dtype == np.float32
    assert leave_one_out_accuracy(vectors, labels) >= 0.9


def test_transform_rows_and_a_different_graph() -> None:
    graph, _, _ = planted(60)
    model = DeepWalk(**SMALL).fit(graph)
    everything = model.transform(graph)
    np.testing.assert_array_equal(model.transform(graph[[5, 2]]), everything[[5, 2]])
    with pytest.raises(InvalidInputError, match="fitted on a graph of 60 nodes; got one of 40"):
        model.transform(planted(40)[0])
    with pytest.raises(InvalidInputError, match="expected a GraphInput"):
        DeepWalk().fit([1, 2, 3])
    with pytest.raises(InvalidInputError, match="The 'p' parameter of Node2Vec must be a float"):
        Node2Vec(p=0).fit(graph)


def test_networkx_graph_is_accepted() -> None:
    vectors = SpectralEmbedding(n_components=4).fit_transform(nx.karate_club_graph())
    assert vectors.shape == (34, 4)


def test_spectral_separates_planted_communities(monkeypatch: pytest.MonkeyPatch) -> None:
    graph, _, labels = planted(400)
    dense = SpectralEmbedding(n_components=4).fit_transform(graph)
    side = dense[:, 0] > 0  # the Fiedler vector's sign splits the two communities
    assert max((side == (labels == "a")).mean(), (side != (labels == "a")).mean()) > 0.95
    monkeypatch.setattr(spectral, "DENSE_NODES", 10)  # the sparse eigsh path, same answer
    sparse = SpectralEmbedding(n_components=4).fit_transform(graph)
    np.testing.assert_allclose(np.abs(sparse), np.abs(dense), atol=1e-4)


def test_link_prediction_beats_chance_on_planted_communities() -> None:
    graph, edges, _ = planted(300, p_in=0.1, p_out=0.005)
    split = split_edges(edges[:, 0], edges[:, 1], 300, fraction=0.1, seed=0)
    assert split.n_test_edges == round(0.1 * len(edges))
    train = GraphInput.from_edges(edges[split.train, 0], edges[split.train, 1], n_nodes=300)
    kept = nx.Graph(edges[split.train].tolist())
    kept.add_nodes_from(range(300))
    assert nx.number_connected_components(kept) == nx.number_connected_components(
        nx.Graph(edges.tolist())
    )
    result = score_links("deepwalk", DeepWalk(**SMALL, seed=0).fit_transform(train), split)
    assert result.cosine_auc > 0.65 and result.hadamard_auc > 0.65, result
    baseline = score_links("spectral", SpectralEmbedding().fit_transform(train), split)
    assert baseline.hadamard_auc > 0.6, baseline


def test_a_forest_has_no_edge_to_hold_out() -> None:
    with pytest.raises(InvalidInputError, match="form a forest"):
        split_edges(np.array([0, 1]), np.array([1, 2]), 3)


def test_both_trainers_separate_planted_communities_and_repeat_with_one_worker() -> None:
    graph, _, labels = planted(200)
    for trainer in ("embedlab", "gensim"):
        model = DeepWalk(**SMALL, workers=1, seed=5, trainer=trainer)
        vectors = model.fit_transform(graph)
        assert model.report_["trainer"] == trainer
        assert leave_one_out_accuracy(vectors, labels) >= 0.95, trainer
        np.testing.assert_array_equal(vectors, DeepWalk(**model.get_params()).fit_transform(graph))
    with pytest.raises(InvalidInputError, match="The 'trainer' parameter of DeepWalk must be one"):
        DeepWalk(trainer="torch").fit(graph)


def test_keep_probabilities_are_gensims() -> None:
    from gensim.models import Word2Vec

    counts = np.array([50_000, 5_000, 500, 50, 5, 0], dtype=np.int64)
    model = Word2Vec(vector_size=4, sample=1e-3, min_count=1)
    model.build_vocab_from_freq({str(i): int(c) for i, c in enumerate(counts) if c})
    expected = [model.wv.get_vecattr(str(i), "sample_int") / 2**32 for i in range(5)]
    keep = skipgram.keep_probabilities(counts, 1e-3)
    np.testing.assert_allclose(keep[:5], expected, rtol=1e-5)
    assert keep[5] == 1.0 and (skipgram.keep_probabilities(counts, 0.0) == 1.0).all()


def test_alias_table_draws_in_proportion_to_the_weights() -> None:
    weights = np.array([1.0, 0.0, 3.0, 6.0, 0.5])
    prob, alias = skipgram.alias_table(weights)
    rng = np.random.default_rng(0)
    slots = rng.integers(0, len(weights), 400_000)
    drawn = np.where(rng.random(400_000) < prob[slots], slots, alias[slots])
    share = np.bincount(drawn, minlength=len(weights)) / len(drawn)
    np.testing.assert_allclose(share, weights / weights.sum(), atol=0.003)
    assert share[1] == 0.0


def test_too_few_held_out_edges_are_refused_naming_the_fraction_that_would_do() -> None:
    """An AUC from a few held-out pairs moves in steps of 1/m^2: refused, not reported."""
    ring = np.arange(20)
    source = np.concatenate([ring, ring])  # 40 edges on 20 nodes, 21 outside a spanning tree
    target = np.concatenate([(ring + 1) % 20, (ring + 2) % 20])
    with pytest.raises(
        InvalidInputError,
        match=r"at least 5 held-out .* 5% of its 40 edges is 2; it takes a graph of at least 90",
    ):
        split_edges(source, target, 20, fraction=0.05)
    assert split_edges(source, target, 20, fraction=0.125).test_truth.sum() == 5
    cycle = np.arange(40)
    with pytest.raises(InvalidInputError, match="only 1 of its 40 edges can go"):
        split_edges(cycle, (cycle + 1) % 40, 40, fraction=0.2)
    with pytest.raises(
        InvalidInputError, match="10% of its 4 edges is 1; it takes a graph of at least 45"
    ):
        split_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), 4, fraction=0.1)
