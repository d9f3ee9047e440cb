"""Chosen output dimensions: `--param dims=N` on any text or image method.

`Embedder.from_params` wraps a method that has no `dims` parameter of its own in `Projected`
(registered below with `register_wrapper`):
the method's vectors are projected onto their first N principal components, fitted on (a
sample of) the data being embedded. None of the models here are Matryoshka-trained, so plain
truncation would throw away information at random; PCA keeps the most variance. The projection
is part of the fitted state, so a text query searched against the space is projected the same
way, and a new method gets the parameter without any code of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlab import progress
from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, register_wrapper
from embedlab.methods.linear import PCAEmbedder

#: modalities whose methods accept `dims` through the wrapper
PROJECTABLE = ("text", "image")
#: items the projection is fitted on (the first ones, as `fit_sample` hands them): enough for
#: stable components at every size up to 1,024, at a bounded extra cost for a pretrained model
PROJECTION_SAMPLE = 10_000
_BATCH = 1024


def check_dims(value: Any, owner: str) -> int:
    """`dims` as an int >= 1 (the CLI gives text), in scikit-learn's wording."""
    try:
        dims = int(value) if isinstance(value, str) else value
    except ValueError:
        dims = value
    if not isinstance(dims, int) or isinstance(dims, bool) or dims < 1:
        raise InvalidInputError(
            f"The 'dims' parameter of {owner} must be an int >= 1. Got {value!r} instead."
        )
    return dims


def projectable(cls: type[Embedder]) -> bool:
    """Whether `--param dims=N` applies to method `cls` (text and image methods without a size
    of their own)."""
    return bool(cls.dims_projection) and cls.modality in PROJECTABLE


def with_dims(estimator: Embedder, dims: Any) -> Projected:
    """`estimator` wrapped so that its vectors come out `dims` wide; refuses the methods whose
    size is a parameter of their own or whose data is not text or images."""
    cls = type(estimator)
    owner = cls.__name__
    if not projectable(cls):
        raise InvalidInputError(
            f"The 'dims' parameter (a PCA projection of the output) applies to text and image "
            f"methods; '{cls.name}' embeds {cls.modality} data and sets its size with a "
            f"parameter of its own: {', '.join(cls.param_names())}."
        )
    return Projected(estimator, dims=check_dims(dims, owner))


class Projected(Embedder):
    """Another method's vectors projected onto their first `dims` principal components."""

    def __init__(self, inner: Embedder, *, dims: int) -> None:
        self.inner = inner
        self.dims = dims
        self.name = inner.name
        self.modality = inner.modality
        self.pretrained = inner.pretrained
        self.summary = inner.summary
        self.counted_keys = inner.counted_keys
        sample = inner.fit_sample
        self.fit_sample = None if sample is None else max(sample, PROJECTION_SAMPLE)
        if hasattr(inner, "embed_text"):
            self.embed_text = self._embed_text

    def get_params(self) -> dict[str, Any]:
        return {**self.inner.get_params(), "dims": self.dims}

    @property  # type: ignore[override]
    def report_(self) -> dict[str, Any]:
        """The inner method's report (live: its per-call counts) and the projection's."""
        return {**getattr(self.inner, "report_", {}), **getattr(self, "projection_report_", {})}

    def fit(self, X: Any) -> Projected:
        owner = type(self.inner).__name__
        check_dims(self.dims, owner)
        size = self.inner.fit_sample
        self.inner.fit(X if size is None else X[:size])
        full = int(self.inner.dimension_)
        if self.dims > full:
            raise InvalidInputError(
                f"The 'dims' parameter of {owner} must be an int in the range [1, {full}] (the "
                f"method's own dimension). Got {self.dims!r} instead."
            )
        sample = X[:PROJECTION_SAMPLE]
        if self.dims > len(sample):
            raise InvalidInputError(
                f"dims={self.dims} needs at least {self.dims} items to fit its PCA projection; "
                f"got {len(sample)}. Choose a smaller dims."
            )
        vectors = self._inner_vectors(sample)
        self.pca_ = PCAEmbedder(n_components=self.dims, standardize=False).fit(vectors)
        self.dimension_ = self.dims
        self.projection_report_ = {
            "dims": self.dims,
            "dims_from": full,
            "dims_fit_items": len(sample),
            "dims_explained_variance": self.pca_.report_["explained_variance"],
        }
        return self

    def _inner_vectors(self, X: Any) -> np.ndarray:
        """The inner method's vectors of the fit items, in batches with a progress bar."""
        parts = []
        total = -(-len(X) // _BATCH)
        with progress.task(f"Fitting the dims={self.dims} projection", total=total) as bar:
            for start in range(0, len(X), _BATCH):
                parts.append(self.inner.transform(X[start : start + _BATCH]))
                bar.advance(1)
        return np.concatenate(parts)

    def transform(self, X: Any) -> np.ndarray:
        self._check_fitted()
        return self.pca_.transform(self.inner.transform(X))

    def _embed_text(self, texts: Any) -> np.ndarray:
        """A text query in this (image) space: the inner method's text side, projected."""
        self._check_fitted()
        return self.pca_.transform(self.inner.embed_text(texts))  # type: ignore[attr-defined]

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        state = {f"inner.{k}": v for k, v in self.inner.get_state().items()}
        return {**state, **{f"dims.{k}": v for k, v in self.pca_.get_state().items()}}

    def set_state(self, state: dict[str, np.ndarray]) -> Projected:
        inner = {k[len("inner.") :]: v for k, v in state.items() if k.startswith("inner.")}
        self.inner.set_state(inner)
        pca = {k[len("dims.") :]: v for k, v in state.items() if k.startswith("dims.")}
        self.pca_ = PCAEmbedder(standardize=False).set_state(pca)
        self.dimension_ = int(self.pca_.dimension_)
        self.projection_report_ = {"dims": self.dimension_}
        return self


register_wrapper("dims", with_dims, projectable)
