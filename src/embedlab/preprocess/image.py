"""Decode any common image into an 8-bit RGB picture, and resize it the way models expect.

Handles EXIF orientation, palette and alpha (flattened onto white), 16-bit and float greys,
CMYK, and the first frame of animations. A size guard refuses decompression bombs before any
pixel is decoded.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from embedlab.errors import InvalidInputError

MAX_PIXELS = 100_000_000  # 100 megapixels: larger files are refused, not decoded
THUMBNAIL_SIZE = 64


class ImageDecodeError(InvalidInputError):
    """One image cannot be used; the message is the reason, listed in the run's report."""


def open_image(source: bytes | str | Path) -> Image.Image:
    """Open bytes or a file, checking the size from the header before decoding pixels."""
    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    except OSError as error:
        raise ImageDecodeError(f"cannot read the file: {error.strerror or error}") from None
    try:
        with Image.open(handle) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageDecodeError(
                    f"too large: {width} x {height} pixels is over the {MAX_PIXELS:,}-pixel limit "
                    "(decompression-bomb guard)"
                )
            probe.seek(0)  # first frame of a GIF or animated WebP
            image = probe.copy()  # decodes now, inside the error handling
            return ImageOps.exif_transpose(image) or image
    except Image.DecompressionBombError as error:  # Pillow's own guard, from the header too
        raise ImageDecodeError(
            f"too large: {error} (decompression-bomb guard; nothing was decoded)"
        ) from None
    except UnidentifiedImageError:
        raise ImageDecodeError("not an image (or a format Pillow cannot read)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError(f"corrupt or truncated image: {error}") from None
    finally:
        handle.close()


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: greys and palettes expanded, alpha flattened onto white, 16-bit scaled down."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) * 255 if high > low else np.zeros_like(values)
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB") if image.mode != "RGB" else image


def decode_rgb(source: bytes | str | Path) -> Image.Image:
    return to_rgb(open_image(source))


def resize_center_crop(image: Image.Image, size: int) -> Image.Image:
    """Scale the shorter side to `size`, then cut the central size x size square."""
    width, height = image.size
    scale = size / min(width, height)
    resized = image.resize(
        (max(size, round(width * scale)), max(size, round(height * scale))),
        Image.Resampling.BICUBIC if scale > 1 else Image.Resampling.LANCZOS,
    )
    left = (resized.width - size) // 2
    top = (resized.height - size) // 2
    return resized.crop((left, top, left + size, top + size))


def thumbnail_png(image: Image.Image, size: int = THUMBNAIL_SIZE) -> bytes:
    """A small PNG for the web app (the image itself when it is small already)."""
    small = image.copy()
    small.thumbnail((size, size), Image.Resampling.LANCZOS)
    return encode_png(small)


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def pixels_uint8(data: np.ndarray, source: str) -> np.ndarray:
    """The images (first axis) as uint8 pixels: floats in [0, 1] scaled by 255 (matplotlib's
    and scikit-image's convention; cast as they were, they all became black), booleans 0 or
    255, other numbers kept where they lie in [0, 255]; NaN, infinities and values out of
    range refused, naming the first such image of `source`."""
    if data.dtype == np.uint8:
        return data
    if data.dtype.kind == "b":  # a mask: white where True
        return data.astype(np.uint8) * 255
    if data.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"{source} holds {data.dtype} values; expected image pixels: uint8 (0-255), "
            "numbers in [0, 255] or floats in [0, 1]."
        )
    flat = data.reshape(len(data), -1)
    if data.dtype.kind == "f":
        bad = ~np.isfinite(flat).all(axis=1)
        if bad.any():
            raise InvalidInputError(
                f"Image {int(np.argmax(bad))} of {source} holds NaN or infinite values "
                f"({int(bad.sum())} such image(s)); expected finite pixel values."
            )
        if 0 <= flat.min() and flat.max() <= 1:
            return np.rint(data * 255).astype(np.uint8)
    out = (flat < 0).any(axis=1) | (flat > 255).any(axis=1)
    if out.any():
        first = int(np.argmax(out))
        raise InvalidInputError(
            f"Image {first} of {source} holds values in [{flat[first].min()}, "
            f"{flat[first].max()}] ({int(out.sum())} such image(s)); expected pixels in "
            "[0, 255] (or floats in [0, 1]). Scale 16-bit images down first."
        )
    return np.rint(data).astype(np.uint8) if data.dtype.kind == "f" else data.astype(np.uint8)


def array_to_image(array: np.ndarray) -> Image.Image:
    """(h, w) grey or (h, w, 3|4) uint8 array as a PIL image."""
    data = np.asarray(array)
    if data.dtype != np.uint8 and data.size:
        data = pixels_uint8(data[None], "the image array")[0]
    if data.ndim == 2:
        return Image.fromarray(data, mode="L")
    if data.ndim == 3 and data.shape[2] in (1, 3, 4):
        return Image.fromarray(data[:, :, 0] if data.shape[2] == 1 else data)
    raise InvalidInputError(f"An image array must be (h, w) or (h, w, 1|3|4); got {data.shape}.")
