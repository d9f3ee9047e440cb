"""`clip-onnx`: a CLIP-style joint image-text model the user already has as ONNX files.

No CLIP weights can be downloaded here, so embedlab ships none; a user with exported CLIP models
points this method at them: an image encoder (`pixel_values` (n, 3, r, r) float32 in, one
(n, d) output), a text encoder (`input_ids` (n, length) int64 in, optionally `attention_mask`,
one (n, d) output) and a `tokenizer.json` (Hugging Face `tokenizers` format). Outputs named
`image_embeds` / `text_embeds` are preferred when a graph has several.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, check_texts, l2_normalize, register
from embedlab.methods.image import check_images
from embedlab.methods.onnx_session import onnx_session
from embedlab.preprocess.image import resize_center_crop

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def _output_name(session: Any, preferred: str) -> str:
    names = [o.name for o in session.get_outputs()]
    return preferred if preferred in names else names[0]


@register
class ClipOnnx(Embedder):
    """Images and texts in one space through the user's CLIP ONNX encoders."""

    name = "clip-onnx"
    modality = "image"
    pretrained = True
    fit_sample = 0
    summary = "your CLIP as ONNX files: images and texts in one space (text-to-image search)"

    def __init__(
        self,
        *,
        image_model: str = "",
        text_model: str = "",
        tokenizer: str = "",
        resolution: int = 224,
        max_length: int = 77,
        batch_size: int = 32,
    ) -> None:
        self.image_model = image_model
        self.text_model = text_model
        self.tokenizer = tokenizer
        self.resolution = resolution
        self.max_length = max_length
        self.batch_size = batch_size

    def _validate_params(self) -> None:
        for name in ("image_model", "text_model", "tokenizer"):
            path = getattr(self, name)
            if not path or not Path(path).is_file():
                raise InvalidInputError(
                    f"The '{name}' parameter of ClipOnnx must be the path of an existing file "
                    f"(--param {name}=PATH). Got {path!r} instead."
                )
        self._check_param(
            "resolution",
            isinstance(self.resolution, int) and 16 <= self.resolution <= 1024,
            "an int in the range [16, 1024]",
        )
        self._check_param(
            "max_length", isinstance(self.max_length, int) and self.max_length >= 2, "an int >= 2"
        )

    def fit(self, X: Sequence[Any] | None = None) -> ClipOnnx:
        """Open the two encoders and the tokenizer; nothing is learned."""
        from tokenizers import Tokenizer

        self._validate_params()
        threads = os.cpu_count() or 1
        try:
            self.image_session_ = onnx_session(str(Path(self.image_model).resolve()), threads)
            self.text_session_ = onnx_session(str(Path(self.text_model).resolve()), threads)
            self.tokenizer_ = Tokenizer.from_file(str(self.tokenizer))
        except Exception as error:  # onnxruntime and tokenizers raise their own types
            raise InvalidInputError(f"Cannot load the CLIP files: {error}") from None
        self.tokenizer_.enable_truncation(self.max_length)
        self.tokenizer_.enable_padding(length=self.max_length)
        self.image_output_ = _output_name(self.image_session_, "image_embeds")
        self.text_output_ = _output_name(self.text_session_, "text_embeds")
        self.text_inputs_ = {i.name for i in self.text_session_.get_inputs()}
        probe = self.embed_text(["a photo"])
        self.dimension_ = int(probe.shape[1])
        self.report_ = {"resolution": self.resolution, "dimension": self.dimension_}
        return self

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        self._check_fitted()
        images = check_images(X)
        out = np.empty((len(images), self.dimension_), dtype=np.float32)
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            pixels = np.stack([np.asarray(resize_center_crop(i, self.resolution)) for i in batch])
            pixels = (pixels.astype(np.float32) / 255.0 - CLIP_MEAN) / CLIP_STD
            feeds = {"pixel_values": pixels.transpose(0, 3, 1, 2).copy()}
            embeds = self.image_session_.run([self.image_output_], feeds)[0]
            out[start : start + len(batch)] = self._checked(embeds, len(batch), "image")
        return l2_normalize(out).astype(np.float32)

    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """Text queries in the images' space."""
        encodings = self.tokenizer_.encode_batch(check_texts(texts))
        feeds = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64)}
        if "attention_mask" in self.text_inputs_:
            feeds["attention_mask"] = np.array([e.attention_mask for e in encodings], np.int64)
        embeds = self.text_session_.run([self.text_output_], feeds)[0]
        return l2_normalize(self._checked(embeds, len(encodings), "text")).astype(np.float32)

    def _checked(self, embeds: np.ndarray, n: int, side: str) -> np.ndarray:
        if embeds.ndim != 2 or embeds.shape[0] != n:
            raise InvalidInputError(
                f"The CLIP {side} model returned shape {embeds.shape}; expected ({n}, dim)."
            )
        if hasattr(self, "dimension_") and embeds.shape[1] != self.dimension_:
            raise InvalidInputError(
                f"The CLIP {side} model returned {embeds.shape[1]} dimensions; the other "
                f"encoder returns {self.dimension_}: the two files do not belong together."
            )
        return embeds

    def set_state(self, state: dict[str, np.ndarray]) -> ClipOnnx:
        return self.fit()
