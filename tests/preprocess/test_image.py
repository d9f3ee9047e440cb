"""Decoding every mode to RGB, EXIF orientation, resizing, and refusing bad files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from embedlab.preprocess import image as image_module
from embedlab.preprocess.image import (
    ImageDecodeError,
    decode_rgb,
    open_image,
    resize_center_crop,
    to_rgb,
)


def encoded(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "CMYK", "I;16", "I", "F", "1"])
def test_every_mode_becomes_8bit_rgb(mode: str) -> None:
    rgb = to_rgb(Image.new(mode, (5, 4)))
    assert rgb.mode == "RGB" and rgb.size == (5, 4)


def test_alpha_is_flattened_onto_white() -> None:
    transparent = Image.new("RGBA", (2, 2), (255, 0, 0, 0))
    assert np.asarray(to_rgb(transparent))[0, 0].tolist() == [255, 255, 255]


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    values = np.array([[0, 1000], [30000, 65535]], dtype=np.uint16)
    rgb = np.asarray(to_rgb(Image.fromarray(values)))
    assert rgb[0, 0, 0] == 0 and rgb[1, 1, 0] == 255 and 0 < rgb[1, 0, 0] < 255


def test_exif_orientation_is_honoured() -> None:
    wide = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    assert decode_rgb(encoded(wide, "JPEG", exif=exif.tobytes())).size == (20, 40)


def test_first_frame_of_a_gif() -> None:
    frames = [Image.new("P", (3, 3), i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    assert decode_rgb(buffer.getvalue()).size == (3, 3)


def test_resize_center_crop_keeps_the_middle() -> None:
    image = Image.new("RGB", (30, 10), "black")
    image.paste((255, 0, 0), (10, 0, 20, 10))
    out = resize_center_crop(image, 8)
    assert out.size == (8, 8) and np.asarray(out)[4, 4].tolist() == [255, 0, 0]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "not an image"),
        (b"this is a text file named .jpg", "not an image"),
        (encoded(Image.new("RGB", (64, 64), "red"))[:120], "corrupt or truncated"),
    ],
)
def test_bad_bytes_give_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageDecodeError, match=reason):
        decode_rgb(data)


def test_decompression_bomb_is_refused_before_decoding(monkeypatch) -> None:
    monkeypatch.setattr(image_module, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ImageDecodeError, match="too large: 200 x 200"):
        open_image(encoded(Image.new("L", (200, 200))))


def test_unreadable_file(tmp_path) -> None:
    with pytest.raises(ImageDecodeError, match="cannot read the file"):
        decode_rgb(tmp_path / "missing.png")


def decompression_bomb(side: int = 30_000) -> bytes:
    """A real PNG of side x side grey pixels, all zero: under 1 MB on disk, 900 MB decoded."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.slow
def test_a_real_30000_pixel_square_png_is_refused_unread(tmp_path) -> None:
    from embedlab.io.images import read_image_folder

    bomb = decompression_bomb()
    assert len(bomb) < 2_000_000
    (tmp_path / "bomb.png").write_bytes(bomb)
    Image.new("RGB", (8, 8), "red").save(tmp_path / "fine.png")
    items = read_image_folder(tmp_path)
    assert items.frame["id"].tolist() == ["fine.png"]
    reason = dict(items.skipped)["bomb.png"]
    assert reason.startswith("too large") and "900000000 pixels" in reason
