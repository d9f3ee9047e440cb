"""`ingest`: a file or a sandbox dataset becomes a stored dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import InvalidInputError
from embedlab.io.images import read_image_source
from embedlab.io.items import prepare_items
from embedlab.io.readers import read_source
from embedlab.io.sandbox import get_sandbox
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Workspace, validate_name

SANDBOX_PREFIX = "sandbox:"


@dataclass
class IngestReport:
    dataset: Dataset
    n_items: int
    skipped_empty_text: int
    skipped_rows: list[int]
    duration_s: float
    #: the file lines of the skipped rows (1-based, a CSV header is line 1), where there are lines
    skipped_lines: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.name,
            "n_items": self.n_items,
            "columns": self.dataset.columns,
            "text_column": self.dataset.text_column,
            "label_column": self.dataset.label_column,
            "skipped_empty_text": self.skipped_empty_text,
            "skipped_rows": self.skipped_rows,
            "skipped_lines": self.skipped_lines,
            "image_column": self.dataset.meta.get("image_column"),
            "skipped_files": self.dataset.meta.get("skipped_files", []),
            "duration_s": round(self.duration_s, 3),
        }


def ingest(
    workspace: Workspace,
    name: str,
    source: str | Path,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
    limit: int | None = None,
) -> IngestReport:
    """Read `source` (a table or text file, a folder of images, an IDX or .npy file of images,
    or `sandbox:NAME`) and store it as dataset `name`; with `limit`, a seeded sample of that
    many rows, kept in file order.

    Replacing an existing dataset is atomic: the old one stays until the new one is written,
    and the spaces computed from the old one are removed with it.
    """
    validate_name(name, "dataset")
    source_text = str(source)
    image_column: str | None = None
    skipped_files: list[tuple[str, str]] = []
    if source_text.startswith(SANDBOX_PREFIX):
        sandbox = get_sandbox(source_text[len(SANDBOX_PREFIX) :])
        frame = sandbox.load()
        text = text or sandbox.text_column
        label = label or sandbox.label_column
        image_column = sandbox.image_column
        described = f"sandbox dataset '{sandbox.name}'"
    elif (images := read_image_source(source_text)) is not None:
        frame, image_column, skipped_files = images.frame, images.image_column, images.skipped
        described = f"'{source_text}'"
    else:
        frame = read_source(source_text)
        described = f"'{source_text}'"
    if limit is not None:
        if not isinstance(limit, int) or limit < 1:
            raise InvalidInputError(f"The limit must be an int >= 1. Got {limit!r} instead.")
        if limit < len(frame):  # a seeded sample in file order: the first rows may be one class
            frame = frame.sample(n=limit, random_state=0).sort_index()
    prepared = prepare_items(frame, described, text=text, label=label, id=id)
    prepared.image_column = image_column
    prepared.skipped_files = skipped_files
    with workspace.writing():
        run = RunRecord(
            kind="ingest",
            dataset=name,
            method="ingest",
            params={"source": source_text, "text": text, "label": label, "id": id, "limit": limit},
        )
        meta = {**prepared.meta(source_text), "limit": limit}
        run.report = {k: meta[k] for k in ("n_items", "skipped_empty_text")}
        workspace.save_result("dataset", name, name, prepared.table, run=run, inputs=[], meta=meta)
    return IngestReport(
        dataset=workspace.dataset(name),
        n_items=prepared.table.num_rows,
        skipped_empty_text=prepared.skipped_empty_text,
        skipped_rows=prepared.skipped_rows,
        duration_s=run.duration_s,
        skipped_lines=prepared.skipped_lines,
    )
