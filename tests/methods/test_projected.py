"""`dims=N`: a PCA projection of any text or image method's output, and the inputs it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab import methods
from embedlab.errors import InvalidInputError
from embedlab.methods.linear import PCAEmbedder
from embedlab.methods.projected import Projected
from tests.conftest import TOPICS

TEXTS = [t for texts in TOPICS.values() for t in texts]
LSA = {"n_components": 8, "min_df": 1}


def test_dims_wraps_the_method_in_a_pca_of_its_vectors() -> None:
    estimator = methods.get("tfidf-svd").from_params({**LSA, "dims": "3"})
    assert isinstance(estimator, Projected) and estimator.name == "tfidf-svd"
    vectors = estimator.fit(TEXTS).transform(TEXTS)
    full = methods.get("tfidf-svd")(**LSA).fit(TEXTS).transform(TEXTS)
    expected = PCAEmbedder(n_components=3, standardize=False).fit(full).transform(full)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert estimator.report_["dims"] == 3 and estimator.report_["dims_from"] == 8
    assert 0 < estimator.report_["dims_explained_variance"] < 1
    assert estimator.get_params() == {**methods.get("tfidf-svd")(**LSA).get_params(), "dims": 3}


def test_state_holds_the_method_and_the_projection() -> None:
    estimator = methods.get("tfidf-svd").from_params({**LSA, "dims": 3}).fit(TEXTS)
    state = estimator.get_state()
    assert {"inner.components", "dims.components", "dims.mean"} <= set(state)
    restored = methods.get("tfidf-svd").from_params(estimator.get_params()).set_state(state)
    query = ["a rocket in orbit"]
    np.testing.assert_allclose(restored.transform(query), estimator.transform(query), atol=1e-6)


def test_a_method_with_its_own_dims_keeps_it() -> None:
    estimator = methods.get("autoencoder").from_params({"dims": "5"})
    assert type(estimator).__name__ == "ConvAutoencoder" and estimator.dims == 5


@pytest.mark.parametrize(
    ("method", "dims", "message"),
    [
        ("tfidf-svd", "0", "The 'dims' parameter of TfidfSVD must be an int >= 1. Got '0'"),
        ("tfidf-svd", "many", "The 'dims' parameter of TfidfSVD must be an int >= 1. Got 'many'"),
        ("pca", "2", "applies to text and image methods; 'pca' embeds numeric data .* n_comp"),
        ("word2vec", "2", "applies to text and image methods; 'word2vec' embeds text data"),
    ],
)
def test_bad_dims_are_refused_when_built(method: str, dims: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        methods.get(method).from_params({"dims": dims})


def test_dims_above_the_method_dimension_or_the_items_is_refused_at_fit() -> None:
    too_wide = methods.get("tfidf-svd").from_params({**LSA, "dims": 9})
    with pytest.raises(InvalidInputError, match=r"in the range \[1, 8\] .* Got 9 instead"):
        too_wide.fit(TEXTS)
    few = methods.get("minilm").from_params({"dims": 6})
    with pytest.raises(InvalidInputError, match="dims=6 needs at least 6 items .* got 5"):
        few.fit(TEXTS[:5])


def test_typo_suggests_dims() -> None:
    with pytest.raises(InvalidInputError, match="Did you mean 'dims'"):
        methods.get("minilm").from_params({"dimz": "3"})
