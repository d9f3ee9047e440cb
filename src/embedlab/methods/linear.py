"""Linear embeddings fitted on the data: PCA of numeric columns, LSA (TF-IDF + SVD) of texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.base import (
    Embedder,
    as_float32,
    check_finite_matrix,
    check_texts,
    l2_normalize,
    register,
)


def finite_or_zero(ratios: np.ndarray) -> np.ndarray:
    """Explained-variance ratios, float32; all 0 where they are undefined: data without variance
    give 0 / 0 (NaN) or rounding noise over rounding noise (sums far above 1)."""
    ratios = np.asarray(ratios, dtype=np.float64)
    if not np.isfinite(ratios).all() or ratios.sum() > 1.0 + 1e-3:
        return np.zeros(ratios.shape, np.float32)
    return ratios.astype(np.float32)


@register
class PCAEmbedder(Embedder):
    """Principal components of numeric columns (optionally standardised first)."""

    name = "pca"
    modality = "numeric"
    summary = "PCA of numeric columns"

    def __init__(self, *, n_components: int = 50, standardize: bool = True, seed: int = 0) -> None:
        self.n_components = n_components
        self.standardize = standardize
        self.seed = seed

    def _validate_params(self) -> None:
        self._check_param(
            "n_components",
            isinstance(self.n_components, int) and self.n_components >= 1,
            "an int >= 1",
        )
        self._check_param("standardize", isinstance(self.standardize, bool), "a bool")
        self._check_param("seed", isinstance(self.seed, int), "an int")

    def fit(self, X: Any) -> PCAEmbedder:
        from sklearn.decomposition import PCA

        self._validate_params()
        data = check_finite_matrix(X, "PCA input")
        n_items, n_features = data.shape
        n_components = min(self.n_components, n_items, n_features)
        self.mean_ = data.mean(axis=0)
        std = data.std(axis=0) if self.standardize else np.ones(n_features, np.float32)
        self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
        pca = PCA(n_components=n_components, random_state=self.seed)
        with np.errstate(invalid="ignore", divide="ignore"):  # items all alike: 0 / 0
            pca.fit((data - self.mean_) / self.scale_)
        self.components_ = as_float32(pca.components_)
        # no variance at all explains nothing (sklearn gives NaN)
        self.explained_variance_ratio_ = finite_or_zero(pca.explained_variance_ratio_)
        self.dimension_ = n_components
        self.report_ = {
            "n_components": n_components,
            "explained_variance": round(float(self.explained_variance_ratio_.sum()), 4),
        }
        if n_components < self.n_components:
            self.report_["note"] = (
                f"n_components reduced from {self.n_components} to {n_components}: "
                f"the data has {n_items} items x {n_features} features"
            )
        return self

    def transform(self, X: Any) -> np.ndarray:
        return as_float32(self._scaled(X) @ self.components_.T)

    def _scaled(self, X: Any) -> np.ndarray:
        self._check_fitted()
        data = check_finite_matrix(X, "PCA input")
        if data.shape[1] != self.mean_.shape[0]:
            raise InvalidInputError(
                f"PCA was fitted on {self.mean_.shape[0]} features; got {data.shape[1]}."
            )
        return (data - self.mean_) / self.scale_

    def reconstruction_error(self, X: Any) -> np.ndarray:
        """Per-item mean squared error of the input rebuilt from its components, in the
        scaled units PCA works in (standardised columns, or the raw ones)."""
        scaled = self._scaled(X)
        rebuilt = (scaled @ self.components_.T) @ self.components_
        return as_float32(((rebuilt - scaled) ** 2).mean(axis=1))

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {
            "mean": self.mean_,
            "scale": self.scale_,
            "components": self.components_,
            "explained_variance_ratio": self.explained_variance_ratio_,
        }

    def set_state(self, state: dict[str, np.ndarray]) -> PCAEmbedder:
        self.mean_ = state["mean"]
        self.scale_ = state["scale"]
        self.components_ = state["components"]
        self.explained_variance_ratio_ = state["explained_variance_ratio"]
        self.dimension_ = int(self.components_.shape[0])
        self.report_ = {}
        return self


@register
class TfidfSVD(Embedder):
    """Latent semantic analysis: TF-IDF weighted word (and bigram) counts, then truncated SVD.

    The model-free baseline: no pretrained weights, fitted on the corpus in seconds.
    """

    name = "tfidf-svd"
    modality = "text"
    summary = "LSA: TF-IDF then truncated SVD (model-free text baseline)"

    def __init__(
        self,
        *,
        n_components: int = 256,
        max_features: int = 50_000,
        min_df: int = 2,
        ngram_max: int = 2,
        seed: int = 0,
    ) -> None:
        self.n_components = n_components
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_max = ngram_max
        self.seed = seed

    def _validate_params(self) -> None:
        for name in ("n_components", "max_features", "min_df", "ngram_max"):
            value = getattr(self, name)
            self._check_param(name, isinstance(value, int) and value >= 1, "an int >= 1")
        self._check_param("seed", isinstance(self.seed, int), "an int")

    def _vectorizer(self, vocabulary: Sequence[str] | None = None) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            max_features=self.max_features,
            min_df=self.min_df if vocabulary is None else 1,
            ngram_range=(1, self.ngram_max),
            sublinear_tf=True,
            dtype=np.float32,
            vocabulary=vocabulary,
        )

    def fit(self, X: Sequence[str]) -> TfidfSVD:
        from sklearn.decomposition import TruncatedSVD

        self._validate_params()
        texts = check_texts(X)
        if len(texts) < 2:
            raise InvalidInputError(f"tfidf-svd needs at least 2 texts to fit; got {len(texts)}.")
        vectorizer = self._vectorizer()
        try:
            counts = vectorizer.fit_transform(texts)
        except ValueError as error:  # empty vocabulary
            raise InvalidInputError(
                f"tfidf-svd found no usable words in {len(texts)} texts with min_df={self.min_df}: "
                f"{error}. Lower min_df or check the texts."
            ) from None
        if counts.shape[1] < 2:
            raise InvalidInputError(
                f"tfidf-svd found only {counts.shape[1]} distinct term(s) in {len(texts)} texts; "
                "it needs at least 2. Use more varied texts or lower min_df."
            )
        n_components = max(1, min(self.n_components, counts.shape[1] - 1, len(texts) - 1))
        svd = TruncatedSVD(n_components=n_components, random_state=self.seed)
        with np.errstate(invalid="ignore", divide="ignore"):  # texts all alike: 0 / 0
            svd.fit(counts)
        self.vocabulary_ = vectorizer.get_feature_names_out().astype(str)
        self.idf_ = vectorizer.idf_.astype(np.float32)
        self.components_ = as_float32(svd.components_)
        self.dimension_ = n_components
        self.report_ = {
            "vocabulary": int(counts.shape[1]),
            "n_components": n_components,
            "explained_variance": round(
                float(finite_or_zero(svd.explained_variance_ratio_).sum()), 4
            ),
        }
        self._vectorizer_ = vectorizer
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        self._check_fitted()
        texts = check_texts(X)
        weights = self._vectorizer_.transform(texts)
        return as_float32(l2_normalize(np.asarray(weights @ self.components_.T)))

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"vocabulary": self.vocabulary_, "idf": self.idf_, "components": self.components_}

    def set_state(self, state: dict[str, np.ndarray]) -> TfidfSVD:
        self.vocabulary_ = state["vocabulary"]
        self.idf_ = state["idf"]
        self.components_ = state["components"]
        vocabulary = {term: i for i, term in enumerate(self.vocabulary_.tolist())}
        vectorizer = self._vectorizer(vocabulary)
        vectorizer.idf_ = self.idf_
        self._vectorizer_ = vectorizer
        self.dimension_ = int(self.components_.shape[0])
        self.report_ = {}
        return self
