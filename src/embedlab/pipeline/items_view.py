"""Items of a dataset as the app shows them: a page of a selection with counts per label, one
item's details and neighbours, and its image or thumbnail by id (never by a path a caller
gives: media come only from what the dataset registered at ingest)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFittedError, NotFoundError
from embedlab.io.items import id_lookups, similar_ids
from embedlab.pipeline.annotate import label_corrections
from embedlab.pipeline.fields import MISSING, FieldValues, field_values
from embedlab.pipeline.graphs import graph_neighbours
from embedlab.pipeline.search import SearchRows
from embedlab.store.workspace import Dataset, Workspace, read_columns

SNIPPET_CHARS = 280
MAX_PAGE = 500
MEDIA_TYPES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"BM": "image/bmp",
    b"RIFF": "image/webp",
}
SKIPPED_IN_DETAILS = {"image", "thumbnail", "content_hash"}


class ItemIndex:
    """Cached ids, texts and labels of one dataset version: pages of any selection in
    milliseconds, even for a million items."""

    def __init__(self, workspace: Workspace, name: str) -> None:
        self.workspace = workspace
        self.dataset: Dataset = workspace.dataset(name)
        self.name = name
        self.version = self.dataset.version

    @cached_property
    def ids(self) -> np.ndarray:
        return np.asarray(self.dataset.ids(), dtype=object)

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {item: row for row, item in enumerate(self.ids)}

    @cached_property
    def texts(self) -> np.ndarray | None:
        column = self.dataset.text_column
        return np.asarray(self.dataset.column(column), dtype=object) if column else None

    @cached_property
    def labels(self) -> FieldValues | None:
        column = self.dataset.label_column
        return field_values(self.workspace, self.name, column) if column else None

    @cached_property
    def label_column(self) -> pa.Array | None:
        """The label column as stored (strings, numbers or lists alike), kept as Arrow."""
        column = self.dataset.label_column
        if not column:
            return None
        return read_columns(self.dataset.table, [column]).column(column).combine_chunks()

    def search_hits(self, found: SearchRows) -> list[dict[str, Any]]:
        """A search's hits with id, text and label from memory (the values
        `pipeline.search.search` reads from the table), and each hit's row."""
        labels = self.label_column
        hits = []
        for rank, (row, score) in enumerate(zip(found.rows.tolist(), found.scores, strict=True)):
            hits.append(
                {
                    "rank": rank + 1,
                    "id": self.ids[row],
                    "score": round(float(score), 6),
                    "text": self.texts[row] if self.texts is not None else None,
                    "label": labels[row].as_py() if labels is not None else None,
                    "space": found.space,
                    "row": row,
                }
            )
        return hits

    @property
    def image_column(self) -> str | None:
        return self.dataset.meta.get("image_column")

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, item: str) -> int:
        for candidate in id_lookups(item):
            row = self.row_of.get(candidate)
            if row is not None:
                return row
        raise NotFoundError(
            f"No item with id '{item}' in dataset '{self.name}'." + similar_ids(item, self.ids)
        )

    def check_rows(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            bad = rows[(rows < 0) | (rows >= len(self))][0]
            raise InvalidInputError(
                f"Row {int(bad)} is not an item of dataset '{self.name}' (rows 0 to "
                f"{len(self) - 1})."
            )
        return rows

    def summaries(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """What a grid cell shows for each row: id, label, a text snippet, whether there is an
        image."""
        labels = self.labels
        has_image = self.image_column is not None
        result = []
        for row in rows.tolist():
            text = self.texts[row] if self.texts is not None else None
            label = labels.categories[labels.values[row]] if labels is not None else None
            result.append(
                {
                    "row": row,
                    "id": self.ids[row],
                    "label": None if label == MISSING else label,
                    "text": text[:SNIPPET_CHARS] if isinstance(text, str) else None,
                    "image": has_image,
                }
            )
        return result

    def page(self, rows: np.ndarray, *, offset: int = 0, limit: int = 60) -> dict[str, Any]:
        """One page of a selection, with the number of selected items per label."""
        if limit < 1 or limit > MAX_PAGE or offset < 0:
            raise InvalidInputError(
                f"A page needs 0 <= offset and 1 <= limit <= {MAX_PAGE}. Got offset={offset}, "
                f"limit={limit}."
            )
        rows = self.check_rows(rows)
        counts: list[dict[str, Any]] = []
        if self.labels is not None and rows.size:
            per_code = np.bincount(self.labels.values[rows], minlength=len(self.labels.categories))
            counts = [
                {"label": name, "count": int(n)}
                for name, n in zip(self.labels.categories, per_code, strict=True)
                if n
            ]
            counts.sort(key=lambda c: -c["count"])
        return {
            "total": int(rows.size),
            "offset": offset,
            "counts": counts,
            "items": self.summaries(rows[offset : offset + limit]),
        }

    def details(self, item: str) -> dict[str, Any]:
        """Every payload column of one item (media left out) and its derived columns."""
        row = self.row(item)
        columns = [c for c in self.dataset.columns if c not in SKIPPED_IN_DETAILS]
        record = self.dataset.table.take_offsets([row]).select(columns).to_arrow().to_pylist()[0]
        derived: dict[str, Any] = {}
        for entry in self.workspace.entries("columns", self.name):
            if entry.status == "complete":
                table = self.workspace.open_table(entry)
                values = table.take_offsets([row]).to_arrow().to_pylist()[0]
                derived[entry.name] = {k: v for k, v in values.items() if k != "id"}
        item = str(self.ids[row])  # as stored: ' 007 ' was found as '007'
        return {
            "row": row,
            "id": item,
            "label_column": self.dataset.label_column,
            "text_column": self.dataset.text_column,
            "image": self.image_column is not None,
            "values": record,
            "derived": derived,
            "corrected_label": label_corrections(self.workspace, self.name).get(item),
        }

    def neighbours(self, item: str, space: str, k: int = 12) -> list[dict[str, Any]]:
        """The item's nearest neighbours in `space`: one row of the stored graph (never a
        rebuild: a page view must not start an all-pairs computation)."""
        row = self.row(item)
        self.workspace.space(self.dataset, space)  # a clear error for an unknown space
        entry = self.workspace.result("neighbors", self.name, space)
        if entry is None:
            raise NotFittedError(
                f"Space '{space}' of dataset '{self.name}' has no neighbour graph yet: run "
                f"`embedlab neighbors {self.name} {space}`."
            )
        if not 1 <= k <= entry.meta["k"]:
            raise InvalidInputError(
                f"k must be an int in [1, {entry.meta['k']}] (the stored graph's k). Got {k} "
                f"instead; `embedlab neighbors {self.name} {space} -k {k}` stores more."
            )
        stored = entry_row(self.workspace.open_table(entry), row)
        summaries = self.summaries(np.asarray(stored["indices"][:k], dtype=np.int64))
        for summary, similarity in zip(summaries, stored["similarities"][:k], strict=True):
            summary["score"] = round(float(similarity), 6)
        return summaries

    def graph_neighbours(self, item: str, limit: int = 100) -> dict[str, Any]:
        """The nodes linked to `item` by an edge of the dataset's graph, as grid cards."""
        if self.dataset.meta.get("kind") != "graph":
            raise InvalidInputError(
                f"Dataset '{self.name}' is not a graph, so its items have no edges; ingest an "
                "edge list with `embedlab ingest NAME EDGES --edges SOURCE,TARGET`."
            )
        linked = graph_neighbours(self.workspace, self.dataset, self.row(item))
        return {"degree": int(linked.size), "neighbours": self.summaries(linked[:limit])}

    def media(self, item: str, kind: str) -> tuple[bytes, str]:
        """The image (or its thumbnail) of an item, with its media type."""
        if kind not in ("image", "thumbnail"):
            raise NotFoundError(f"Unknown media '{kind}'; use 'image' or 'thumbnail'.")
        column = self.image_column
        if column is None:
            raise NotFoundError(f"Dataset '{self.name}' has no images.")
        row = self.row(item)
        wanted = "thumbnail" if kind == "thumbnail" else column
        value = read_row(self.dataset, row, wanted)
        if wanted == "path":
            # The path was registered at ingest; nothing from the request reaches the disk.
            try:
                value = Path(value).read_bytes()
            except OSError as error:
                raise NotFoundError(
                    f"The image file of item '{item}' cannot be read: {error.strerror}."
                ) from None
        if not value:
            raise NotFoundError(f"Item '{item}' has no {kind}.")
        return value, media_type(value)


def entry_row(table: Any, row: int) -> dict[str, Any]:
    return table.take_offsets([row]).to_arrow().to_pylist()[0]


def read_row(dataset: Dataset, row: int, column: str) -> Any:
    return read_columns_at(dataset, [row], column)[0]


def read_columns_at(dataset: Dataset, rows: list[int], column: str) -> list[Any]:
    return dataset.table.take_offsets(rows).select([column]).to_arrow().column(column).to_pylist()


def media_type(data: bytes) -> str:
    for magic, kind in MEDIA_TYPES.items():
        if data.startswith(magic):
            return kind
    return "application/octet-stream"
