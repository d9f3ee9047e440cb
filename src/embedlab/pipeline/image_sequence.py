"""The images of a dataset, decoded on demand: what `embed` feeds an image model and what the
audit measures. A module of its own so that the audit can read images without importing
`pipeline.embed` (and with it every embedding method)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from embedlab.errors import InvalidInputError
from embedlab.preprocess.image import ImageDecodeError, decode_rgb
from embedlab.store.handles import Dataset

__all__ = ["ImageSequence"]


class ImageSequence:
    """The images of a dataset, decoded only when a batch asks for them.

    Files and large encoded images are decoded on a thread pool (Pillow releases the GIL while
    decoding: 2.3x faster for photos here); small ones in line, where threads cost more than
    they save (3x slower for 28x28 PNGs).
    """

    PARALLEL_BYTES = 16_384

    def __init__(self, dataset: Dataset, column: str) -> None:
        self.sources = dataset.column(column)
        self.ids = dataset.ids()
        head = self.sources[:64]
        self.parallel = any(isinstance(s, str) for s in head) or (
            bool(head) and sum(len(s or b"") for s in head) / len(head) > self.PARALLEL_BYTES
        )

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, row: int) -> Image.Image:
        try:
            return decode_rgb(self.sources[row])
        except ImageDecodeError as error:
            where = self.sources[row] if isinstance(self.sources[row], str) else "stored bytes"
            raise InvalidInputError(
                f"The image of item '{self.ids[row]}' ({where}) can no longer be read: {error}. "
                "Committed batches are kept; fix or re-ingest, then run embed again."
            ) from None

    def __iter__(self) -> Iterator[Image.Image]:
        return (self[row] for row in range(len(self)))

    def take(self, rows: np.ndarray) -> list[Image.Image]:
        if not self.parallel or len(rows) < 8:
            return [self[int(row)] for row in rows]
        with ThreadPoolExecutor(max_workers=min(8, 2 * (os.cpu_count() or 1))) as pool:
            return list(pool.map(self.__getitem__, (int(row) for row in rows)))
