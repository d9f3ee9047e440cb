"""One contract, every registered method: parameters, fit/transform, state, errors."""

from __future__ import annotations

import atexit
import inspect
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from embedlab import methods
from embedlab.errors import InvalidInputError, NotFittedError, NotFoundError
from embedlab.methods.collaborative import InteractionInput
from embedlab.methods.graph import GraphInput
from tests.conftest import TOPICS
from tests.methods.film_records import film_table
from tests.methods.tiny_clip import build_tiny_clip

TEXTS = [t for texts in TOPICS.values() for t in texts]
DIGITS = load_digits().data[:120].astype(np.float32)
CATEGORIES = np.array(
    [[c, s] for c in ("red", "green", "blue") for s in ("S", "M", "L", "XL")] * 3, dtype=object
)
IMAGES = [np.stack([img] * 3, axis=-1) for img in (load_digits().images[:60] * 15).astype(np.uint8)]


def planted_graph(n: int = 60, seed: int = 0) -> GraphInput:
    """Two planted communities: dense inside, sparse across (a fixed, seeded graph)."""
    import networkx as nx

    graph = nx.planted_partition_graph(2, n // 2, 0.3, 0.02, seed=seed)
    edges = np.asarray(graph.edges(), dtype=np.int64)
    return GraphInput.from_edges(edges[:, 0], edges[:, 1], n_nodes=n)


GRAPH = planted_graph()


def random_interactions(n_users: int = 40, n_items: int = 30, seed: int = 0) -> InteractionInput:
    """A fixed, seeded users x items matrix: every user has seen a few items, rated 1 to 5."""
    rng = np.random.default_rng(seed)
    pairs = {(u, int(i)) for u in range(n_users) for i in rng.choice(n_items, 6, replace=False)}
    users, items = np.asarray(sorted(pairs)).T
    ratings = rng.integers(1, 6, len(users))
    return InteractionInput.from_pairs(users, items, ratings, n_users=n_users, n_items=n_items)


INTERACTIONS = random_interactions()
INPUTS = {
    "text": TEXTS,
    "numeric": DIGITS,
    "categorical": CATEGORIES,
    "image": IMAGES,
    "graph": GRAPH,
    "interactions": INTERACTIONS,
    "records": film_table(60, missing_target=3).drop(columns=["id", "title"]),
}
TINY_CLIP_FOLDER = Path(tempfile.mkdtemp(prefix="embedlab-tiny-clip-"))
atexit.register(shutil.rmtree, TINY_CLIP_FOLDER, ignore_errors=True)  # made at import: no fixture
SMALL_WALKS = {"dimensions": 8, "num_walks": 2, "walk_length": 10}
SMALL_PARAMS = {
    "tfidf-svd": {"n_components": 8, "min_df": 1},
    "pca": {"n_components": 8},
    "pixels-pca": {"n_components": 8},
    "deepwalk": SMALL_WALKS,
    "node2vec": {**SMALL_WALKS, "p": 0.5, "q": 2.0},
    "spectral": {"n_components": 4},
    "als": {"factors": 8, "iterations": 5},
    "bpr": {"factors": 8, "iterations": 20},
    "svd": {"factors": 8},
    "elmo": {"dim": 8, "max_epochs": 1, "min_count": 1},
    "entity": {"target": "critic_rating", "epochs": 3, "min_count": 2},
    "autoencoder": {"dims": 4, "epochs": 2},
    "mlp-autoencoder": {"dims": 4, "epochs": 2},
    "clip-onnx": build_tiny_clip(TINY_CLIP_FOLDER),
}

ALL = sorted(methods.available())


def make(name: str) -> methods.Embedder:
    return methods.get(name)(**SMALL_PARAMS.get(name, {}))


def test_registry_lists_the_first_methods() -> None:
    assert {"minilm", "tfidf-svd", "pca", "onehot", "pixels-pca"} <= set(ALL)
    assert {"deepwalk", "node2vec", "spectral"} <= set(ALL)
    assert {"autoencoder", "mlp-autoencoder"} <= set(ALL)


def test_unknown_method_lists_valid_names() -> None:
    with pytest.raises(NotFoundError, match="Did you mean 'minilm'") as info:
        methods.get("minlm")
    assert "'tfidf-svd'" in str(info.value)


@pytest.mark.parametrize("name", ALL)
def test_parameters_are_keyword_only_and_stored_unchanged(name: str) -> None:
    cls = methods.get(name)
    signature = inspect.signature(cls.__init__)
    for param in list(signature.parameters.values())[1:]:
        assert param.kind is param.KEYWORD_ONLY, f"{name}.{param.name} must be keyword-only"
    defaults = {p.name: p.default for p in list(signature.parameters.values())[1:]}
    assert cls().get_params() == defaults
    assert cls.modality in INPUTS and cls.summary


@pytest.mark.parametrize("name", ALL)
def test_fit_transform_gives_float32_rows(name: str) -> None:
    estimator = make(name)
    data = INPUTS[estimator.modality]
    assert estimator.fit(data) is estimator
    vectors = estimator.transform(data)
    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
    assert vectors.shape == (len(data), estimator.dimension_)
    assert np.isfinite(vectors).all()
    assert estimator.get_params() == make(name).get_params(), "fit must not change parameters"


@pytest.mark.parametrize("name", ALL)
def test_same_input_same_vectors(name: str) -> None:
    data = INPUTS[make(name).modality]
    np.testing.assert_allclose(
        make(name).fit_transform(data), make(name).fit_transform(data), atol=1e-6
    )


@pytest.mark.parametrize("name", [n for n in ALL if not methods.get(n).pretrained])
def test_transform_before_fit_raises(name: str) -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        make(name).transform(INPUTS[make(name).modality])


@pytest.mark.parametrize("name", ALL)
def test_state_round_trip_reproduces_vectors(name: str) -> None:
    estimator = make(name)
    data = INPUTS[estimator.modality]
    expected = estimator.fit_transform(data)
    restored = make(name).set_state(estimator.get_state())
    np.testing.assert_allclose(restored.transform(data), expected, atol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_bad_parameter_value_names_parameter(name: str) -> None:
    cls = methods.get(name)
    first_int = next(
        k
        for k, v in cls().get_params().items()
        if isinstance(v, int) and not isinstance(v, bool) and k != "seed"
    )
    estimator = cls(**{**SMALL_PARAMS.get(name, {}), first_int: -5})
    with pytest.raises(
        InvalidInputError, match=f"The '{first_int}' parameter of .* Got -5 instead"
    ):
        estimator.fit(INPUTS[cls.modality])


@pytest.mark.parametrize("name", ALL)
def test_unknown_parameter_lists_valid_ones(name: str) -> None:
    cls = methods.get(name)
    with pytest.raises(InvalidInputError, match="has no parameter 'windw'. Valid choices"):
        cls.from_params({"windw": "3"})


def test_from_params_converts_strings_by_annotation() -> None:
    estimator = methods.get("pca").from_params({"n_components": "3", "standardize": "false"})
    assert estimator.get_params()["n_components"] == 3
    assert estimator.get_params()["standardize"] is False
    with pytest.raises(InvalidInputError, match="must be of type int. Got 'three'"):
        methods.get("pca").from_params({"n_components": "three"})


PROJECTABLE = [n for n in ALL if methods.get(n).modality in ("text", "image")]


@pytest.mark.parametrize(
    "name", [n for n in PROJECTABLE if methods.get(n).dims_projection and n != "autoencoder"]
)
def test_dims_projects_every_text_and_image_method(name: str) -> None:
    """`dims=N` needs no code in the method: from_params wraps it in a PCA projection."""
    estimator = methods.get(name).from_params({**SMALL_PARAMS.get(name, {}), "dims": "3"})
    data = INPUTS[estimator.modality]
    vectors = estimator.fit(data).transform(data)
    assert vectors.shape == (len(data), 3) and vectors.dtype == np.float32
    assert vectors.flags.c_contiguous and estimator.get_params()["dims"] == 3
    restored = methods.get(name).from_params(estimator.get_params())
    restored.set_state(estimator.get_state())
    np.testing.assert_allclose(restored.transform(data), vectors, atol=1e-5)
