"""Image embeddings. `pixels-pca`: raw pixels, resized and flattened, then PCA: the baseline that
shows what a learned (CNN) embedding adds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, register
from embedlab.methods.linear import PCAEmbedder
from embedlab.preprocess.image import array_to_image, resize_center_crop, to_rgb


def check_images(X: Any) -> list[Image.Image]:
    """RGB PIL images from PIL images or uint8 arrays; the error names the first bad item."""
    images = []
    for row, item in enumerate(X):
        if isinstance(item, Image.Image):
            images.append(to_rgb(item))
        elif isinstance(item, np.ndarray):
            images.append(to_rgb(array_to_image(item)))
        else:
            raise InvalidInputError(
                f"Image at row {row} is {type(item).__name__}; expected a PIL image or an array."
            )
    return images


@register
class PixelsPCA(Embedder):
    """Pixels of each image at `size` x `size` (0: the images' own size when they all share
    one, else 32), grey when every fitted image is grey (or as `colour` says), then PCA."""

    name = "pixels-pca"
    modality = "image"
    #: PCA is fitted on the first 20,000 images (as embedlab embed passes them): the components
    #: are stable by then, and fitting on all would decode every image twice.
    fit_sample = 20_000
    summary = "raw pixels then PCA (image baseline)"

    def __init__(
        self, *, size: int = 0, colour: str = "auto", n_components: int = 50, seed: int = 0
    ) -> None:
        self.size = size
        self.colour = colour
        self.n_components = n_components
        self.seed = seed

    def _validate_params(self) -> None:
        self._check_param(
            "size",
            isinstance(self.size, int) and 0 <= self.size <= 512,
            "an int in the range [0, 512] (0 = the images' own size)",
        )
        self._check_param(
            "colour", self.colour in ("auto", "grey", "rgb"), "one of 'auto', 'grey', 'rgb'"
        )
        self._check_param(
            "n_components",
            isinstance(self.n_components, int) and self.n_components >= 1,
            "an int >= 1",
        )

    def _pixels(self, images: list[Image.Image]) -> np.ndarray:
        return pixel_matrix(images, self.size_, self.grey_)

    def fit(self, X: Sequence[Any]) -> PixelsPCA:
        self._validate_params()
        images = check_images(X)
        if len(images) < 2:
            raise InvalidInputError(
                f"pixels-pca needs at least 2 images to fit; got {len(images)}."
            )
        self.size_, self.grey_ = pixel_format(images, self.size, self.colour)
        pixels = self._pixels(images)
        self.pca_ = PCAEmbedder(
            n_components=self.n_components, standardize=False, seed=self.seed
        ).fit(pixels)
        self.dimension_ = self.pca_.dimension_
        self.report_ = {
            "pixel_features": int(pixels.shape[1]),
            "size": self.size_,
            "grey": self.grey_,
            **self.pca_.report_,
        }
        return self

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        self._check_fitted()
        return self.pca_.transform(self._pixels(check_images(X)))

    def reconstruction_error(self, X: Sequence[Any]) -> np.ndarray:
        """Per-item mean squared error of the pixels (in [0, 1]) rebuilt from the components."""
        self._check_fitted()
        return self.pca_.reconstruction_error(self._pixels(check_images(X)))

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        state = {f"pca_{k}": v for k, v in self.pca_.get_state().items()}
        return {**state, "size": np.array(self.size_), "grey": np.array(self.grey_)}

    def set_state(self, state: dict[str, np.ndarray]) -> PixelsPCA:
        self.size_ = int(state["size"])
        self.grey_ = bool(state["grey"])
        pca_state = {k[4:]: v for k, v in state.items() if k.startswith("pca_")}
        self.pca_ = PCAEmbedder(standardize=False).set_state(pca_state)
        self.dimension_ = self.pca_.dimension_
        self.report_ = {}
        return self


def pixel_format(
    images: list[Image.Image], size: int = 0, colour: str = "auto"
) -> tuple[int, bool]:
    """(side, grey): the images' own square size when they all share one (else 32), and grey
    when every sampled image is grey."""
    sizes = {image.size for image in images}
    own = next(iter(sizes)) if len(sizes) == 1 else None
    side = size or (own[0] if own and own[0] == own[1] else 32)
    if colour == "auto":
        sample = images[:: max(1, len(images) // 500)]
        return side, all(_is_grey(image) for image in sample)
    return side, colour == "grey"


def pixel_matrix(images: list[Image.Image], size: int, grey: bool) -> np.ndarray:
    """(n, size*size*channels) float32 pixels in [0, 1]: the raw-pixel representation."""
    mode = "L" if grey else "RGB"
    out = np.empty((len(images), size * size * (1 if grey else 3)), dtype=np.float32)
    for row, image in enumerate(images):
        if image.size != (size, size):
            image = resize_center_crop(image, size)
        out[row] = np.asarray(image.convert(mode), dtype=np.float32).reshape(-1) / 255.0
    return out


def _is_grey(image: Image.Image) -> bool:
    pixels = np.asarray(image, dtype=np.int16)
    return bool(
        (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    )
