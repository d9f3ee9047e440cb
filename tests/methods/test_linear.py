"""PCA, LSA and one-hot: what they report and how they refuse bad input."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.linear import PCAEmbedder, TfidfSVD
from embedlab.methods.onehot import OneHot


def test_pca_caps_components_and_says_so() -> None:
    data = np.random.default_rng(0).normal(size=(20, 5))
    pca = PCAEmbedder(n_components=50).fit(data)
    assert pca.dimension_ == 5
    assert "reduced from 50 to 5" in pca.report_["note"]
    assert 0.99 <= pca.report_["explained_variance"] <= 1.0001


def test_pca_nan_is_refused_with_row_and_column() -> None:
    data = np.ones((6, 3))
    data[4, 2] = np.nan
    with pytest.raises(InvalidInputError, match="row 4, column 2"):
        PCAEmbedder().fit(data)


def test_pca_transform_checks_feature_count() -> None:
    pca = PCAEmbedder(n_components=2).fit(np.random.default_rng(0).normal(size=(10, 4)))
    with pytest.raises(InvalidInputError, match="fitted on 4 features; got 3"):
        pca.transform(np.zeros((2, 3)))


def test_tfidf_svd_separates_topics() -> None:
    texts = ["cats purr and cats meow"] * 3 + ["stocks and bonds and markets"] * 3
    vectors = TfidfSVD(n_components=2, min_df=1).fit_transform(texts)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.99 and sims[0, 4] < 0.5


def test_tfidf_svd_with_no_usable_words_explains() -> None:
    with pytest.raises(InvalidInputError, match="no usable words"):
        TfidfSVD(min_df=5).fit(["a b", "c d", "e f"])


def test_onehot_reports_dimension_and_sparsity() -> None:
    data = [["red", "S"], ["blue", "M"], ["red", "L"], ["green", None]]
    encoder = OneHot().fit(data)
    vectors = encoder.transform(data)
    assert vectors.shape == (4, 3 + 4)  # colours + sizes with <missing>
    assert (vectors.sum(axis=1) == 2).all()
    assert encoder.report_["sparsity"] == pytest.approx(1 - 8 / 28)
    assert encoder.report_["dense_bytes"] == 4 * 7 * 4


def test_onehot_unknown_category_is_zero_and_counted() -> None:
    encoder = OneHot().fit([["a"], ["b"]])
    vectors = encoder.transform([["a"], ["zzz"]])
    assert vectors.tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert encoder.report_["unknown_categories"] == 1


def test_onehot_refuses_exploding_dimension() -> None:
    with pytest.raises(InvalidInputError, match="max_dimension"):
        OneHot(max_dimension=10).fit([[str(i)] for i in range(50)])


def test_data_without_variance_explains_nothing_instead_of_nan() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # sklearn divided 0 by 0
        lsa = TfidfSVD(min_df=1).fit(["the same text here"] * 12)
        pca = PCAEmbedder().fit(np.ones((10, 3), dtype=np.float32))
    assert lsa.report_["explained_variance"] == 0.0  # was 3.4e38 (float32 noise over noise)
    assert pca.report_["explained_variance"] == 0.0  # was NaN
    varied = TfidfSVD(min_df=1).fit(["red apples", "green pears", "blue plums"] * 4)
    assert 0.99 <= varied.report_["explained_variance"] <= 1.0001
