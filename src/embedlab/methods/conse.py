"""Text-to-image search without CLIP: ConSE (Norouzi et al., 2014).

An image's vector is the probability-weighted mean of the sentence embeddings (MiniLM) of its
top ImageNet classes (EfficientNet-Lite0), so images live in the same 384-d space as texts and a
text query is embedded by MiniLM alone. What it can find: images whose likely ImageNet classes
are close in meaning to the query ("a sneaker" reaches images classified as running shoes). What
it cannot: anything the 1,000 ImageNet classes do not name (colours, counts, styles, people's
faces, text in the image), and its precision is bounded by the classifier's on the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from embedlab.methods.base import Embedder, check_texts, l2_normalize, register
from embedlab.methods.cnn import EfficientNetLite0, imagenet_class_names
from embedlab.methods.image import check_images
from embedlab.methods.transformer import MiniLM


@lru_cache(maxsize=1)
def _class_vectors() -> np.ndarray:
    """MiniLM embeddings of the 1,000 ImageNet class names (computed once per process)."""
    vectors = MiniLM().fit().transform(imagenet_class_names())
    vectors.setflags(write=False)
    return vectors


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


@register
class ConSE(Embedder):
    """Images as the probability-weighted MiniLM embedding of their `top` ImageNet classes;
    texts by MiniLM: one 384-d space for text-to-image search."""

    name = "conse"
    modality = "image"
    pretrained = True
    fit_sample = 256
    summary = "ConSE: images in MiniLM text space via ImageNet classes (text-to-image search)"

    def __init__(self, *, top: int = 10, resolution: int = 0, batch_size: int = 32) -> None:
        self.top = top
        self.resolution = resolution
        self.batch_size = batch_size

    def _validate_params(self) -> None:
        self._check_param(
            "top",
            isinstance(self.top, int) and 1 <= self.top <= 1000,
            "an int in the range [1, 1000]",
        )

    def fit(self, X: Sequence[Any] | None = None) -> ConSE:
        self._validate_params()
        self.cnn_ = EfficientNetLite0(resolution=self.resolution, batch_size=self.batch_size).fit(X)
        self._load_text_side()
        return self

    def _load_text_side(self) -> None:
        self.text_model_ = MiniLM().fit()
        self.class_names_ = imagenet_class_names()
        self.class_vectors_ = _class_vectors()
        self.dimension_ = self.class_vectors_.shape[1]
        self.report_ = {"resolution": self.cnn_.resolution_, "top": self.top}

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        self._check_fitted()
        images = check_images(X)
        out = np.empty((len(images), self.dimension_), dtype=np.float32)
        for start in range(0, len(images), self.batch_size):
            logits = self.cnn_.predict_logits(images[start : start + self.batch_size])
            out[start : start + len(logits)] = self._mix(softmax(logits))
        return out

    def _mix(self, probabilities: np.ndarray) -> np.ndarray:
        top = np.argpartition(-probabilities, self.top - 1, axis=1)[:, : self.top]
        weights = np.take_along_axis(probabilities, top, axis=1)
        mixed = np.einsum("nt,ntd->nd", weights, self.class_vectors_[top])
        return l2_normalize(mixed).astype(np.float32)

    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """Queries in the same space as the images."""
        self._check_fitted()
        return self.text_model_.transform(check_texts(texts))

    def top_classes(self, X: Sequence[Any], n: int = 3) -> list[list[tuple[str, float]]]:
        """The n most likely ImageNet classes of each image, to explain what ConSE saw."""
        probabilities = softmax(self.cnn_.predict_logits(check_images(X)))
        best = np.argsort(-probabilities, axis=1)[:, :n]
        return [
            [(self.class_names_[j], round(float(row[j]), 4)) for j in picks]
            for row, picks in zip(probabilities, best, strict=True)
        ]

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return self.cnn_.get_state()

    def set_state(self, state: dict[str, np.ndarray]) -> ConSE:
        self._validate_params()
        self.cnn_ = EfficientNetLite0(
            resolution=self.resolution, batch_size=self.batch_size
        ).set_state(state)
        self._load_text_side()
        return self
