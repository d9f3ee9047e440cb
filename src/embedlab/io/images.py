"""Image sources into dataset rows: folders of files, IDX files (the MNIST family), arrays.

Every row keeps where its pixels come from (`path` of the file, or the `image` bytes for sources
that are not files), its original `width` and `height`, a small PNG `thumbnail` and a
`content_hash` of the decoded pixels (equal hashes = exact duplicates, whatever the file format).
Files that cannot be used are skipped and listed with their reason; the rest go on.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from embedlab import progress
from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.preprocess.image import (
    ImageDecodeError,
    array_to_image,
    decode_rgb,
    encode_png,
    pixels_uint8,
    thumbnail_png,
)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif")
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass
class ImageItems:
    """Rows for a dataset of images, and the files that were skipped with their reasons."""

    frame: pd.DataFrame
    image_column: str
    skipped: list[tuple[str, str]] = field(default_factory=list)


def pixel_hash(image: Image.Image) -> str:
    return hashlib.sha256(f"{image.size}".encode() + image.tobytes()).hexdigest()[:32]


def _describe_file(path: Path) -> dict[str, Any]:
    image = decode_rgb(path)
    return {
        "width": image.width,
        "height": image.height,
        "thumbnail": thumbnail_png(image),
        "content_hash": pixel_hash(image),
    }


def read_image_folder(folder: str | Path) -> ImageItems:
    """Every image below `folder` (recursively); the sub-folder a file sits in is its label."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise NotFoundError(f"The image folder '{root}' does not exist.")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        raise InvalidInputError(
            f"No images in '{root}' ({len(files)} files, none ending in "
            f"{', '.join(IMAGE_SUFFIXES)})."
        )
    rows: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    workers = min(8, (os.cpu_count() or 1) * 2)  # Pillow decodes without holding the GIL
    with progress.task(f"Reading images in {root.name}", total=len(images)) as bar:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for path, outcome in zip(images, pool.map(_try_describe, images), strict=True):
                bar.advance(1)
                relative = path.relative_to(root)
                if isinstance(outcome, str):
                    skipped.append((str(relative), outcome))
                    continue
                label = relative.parent.as_posix() if relative.parent != Path(".") else None
                rows.append(
                    {
                        "id": relative.as_posix(),
                        "path": str(path.resolve()),
                        "label": label,
                        **outcome,
                    }
                )
    if not rows:
        raise InvalidInputError(
            f"None of the {len(images)} images in '{root}' could be read; first reasons: "
            + "; ".join(f"{name}: {why}" for name, why in skipped[:3])
        )
    return ImageItems(pd.DataFrame(rows), "path", skipped)


def _try_describe(path: Path) -> dict[str, Any] | str:
    try:
        return _describe_file(path)
    except ImageDecodeError as error:
        return str(error)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (optionally gzipped) as an array, checking its header against its size."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise InvalidInputError(f"'{path}' is not an IDX file (bad magic number {raw[:4]!r}).")
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    body = raw[4 + 4 * dims :]
    if len(body) != expected:
        raise InvalidInputError(
            f"'{path}': the IDX header promises {shape} ({expected:,} bytes) but the file "
            f"holds {len(body):,} bytes."
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def images_from_array(
    array: np.ndarray,
    labels: list[Any] | np.ndarray | None = None,
    ids: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    source: str = "the image array",
) -> ImageItems:
    """(n, h, w) or (n, h, w, c) images as rows holding PNG bytes: uint8 pixels, or numbers in
    [0, 255], or floats in [0, 1] (scaled to 0-255); `source` names the array in messages."""
    data = np.asarray(array)
    if (
        data.ndim not in (3, 4)
        or data.shape[0] == 0
        or (data.ndim == 4 and data.shape[3] not in (1, 3, 4))
    ):
        raise InvalidInputError(
            f"Expected an array of images shaped (n, h, w) or (n, h, w, c) with c 1, 3 or 4 in "
            f"{source}; got {data.shape}."
        )
    data = pixels_uint8(data, source)
    if labels is not None and len(labels) != len(data):
        raise InvalidInputError(f"{len(labels)} labels for {len(data)} images.")
    pngs: list[bytes] = []
    thumbs: list[bytes] = []
    hashes: list[str] = []
    with progress.task("Encoding images", total=len(data)) as bar:
        for item in data:
            image = array_to_image(item)
            png = encode_png(image)
            pngs.append(png)
            small = max(image.size) <= 64
            thumbs.append(png if small else thumbnail_png(image.convert("RGB")))
            hashes.append(pixel_hash(image))
            bar.advance(1)
    frame = pd.DataFrame(
        {
            "id": ids if ids is not None else [str(i) for i in range(len(data))],
            "image": pngs,
            "width": data.shape[2],
            "height": data.shape[1],
            "thumbnail": thumbs,
            "content_hash": hashes,
        }
    )
    if labels is not None:
        frame["label"] = [None if v is None else str(v) for v in labels]
    for column, values in (extra or {}).items():
        frame[column] = values
    return ImageItems(frame, "image")


def _is_idx(name: str) -> bool:
    return "idx" in name and ("ubyte" in name or name.endswith((".idx", ".idx.gz")))


def is_image_source(source: str | Path) -> bool:
    """Whether `read_image_source` reads `source` as images (a folder, an IDX or .npy file),
    told from its name without reading it."""
    path = Path(source).expanduser()
    name = path.name.lower()
    return path.is_dir() or _is_idx(name) or name.endswith(".npy")


def read_image_source(source: str | Path) -> ImageItems | None:
    """Images from a folder, an IDX file or a .npy array; None when `source` is not images."""
    path = Path(source).expanduser()
    name = path.name.lower()
    if path.is_dir():
        return read_image_folder(path)
    if _is_idx(name):
        if not path.exists():
            raise NotFoundError(f"The source file '{path}' does not exist.")
        return images_from_array(read_idx(path), source=f"'{path}'")
    if name.endswith(".npy"):
        if not path.exists():
            raise NotFoundError(f"The source file '{path}' does not exist.")
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise InvalidInputError(f"Cannot read '{path}' as a numpy array: {error}") from None
        return images_from_array(array, source=f"'{path}'")
    return None
