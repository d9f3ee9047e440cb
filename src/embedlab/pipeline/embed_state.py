"""The partial table of an embedding run: its schema and what a run holds of it (shared by
`embed`, which fills it, and `embed_grow`, which starts it with a grown space's old vectors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.store.catalog import Entry

PARTIAL_SUFFIX = "~partial"


def space_schema(dim: int) -> pa.Schema:
    """Partial tables also carry `counts`: the counted report of each batch, on its first row,
    so that counts survive a kill together with the vectors they describe."""
    return pa.schema(
        [
            ("row", pa.int64()),
            ("id", pa.string()),
            ("vector", pa.list_(pa.float32(), dim)),
            ("counts", pa.string()),
        ]
    )


@dataclass
class Progress:
    """The partial table of a run and what it holds already."""

    table: Any
    dim: int
    done: np.ndarray
    fit_report: dict[str, Any]
    #: the space this run grows (its rows kept first), and the run whose fitted state it uses
    grows: Entry | None = None
    state_run: str = ""
