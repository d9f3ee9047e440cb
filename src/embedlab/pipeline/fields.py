"""Per-item fields a map can be coloured by: the label, low-cardinality payload columns, numeric
columns, every stored derived column (quality, image quality, clusters, auto-labels) and the
label with the app's corrections applied, and every saved tag (tagged or not).

A field is named `COLUMN` for a dataset column and `KEY:COLUMN` for a derived one (e.g.
`quality-minilm:outlier_score`). Values come as category codes (uint16, with the category names)
or as numbers scaled to [0, 1] (with the original minimum and maximum), ready for a WebGL plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from embedlab.errors import NotFoundError, did_you_mean
from embedlab.pipeline.annotate import label_corrections, tags
from embedlab.store.workspace import Dataset, Workspace, read_columns

FieldKind = Literal["category", "number"]
MAX_CATEGORIES = 60
MAX_NUMERIC_COLUMNS = 30  # a payload column with more distinct values is not a colour
CORRECTED_LABEL = "corrected_label"
TAG_PREFIX = "tag:"
NOT_COLOURS = {"id", "path", "image", "thumbnail", "content_hash"}
MISSING = "(missing)"


@dataclass
class FieldInfo:
    name: str
    kind: FieldKind
    source: str  # "dataset", the derived columns' key, "corrections" or "tags"
    space: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return vars(self).copy()


@dataclass
class FieldValues:
    info: FieldInfo
    values: np.ndarray  # uint16 codes (uint32 past 65,535 categories), or float32 in [0, 1]
    categories: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    missing: int = 0

    def legend(self) -> dict[str, Any]:
        return {
            **self.info.to_dict(),
            "categories": self.categories,
            "counts": self.counts,
            "min": self.minimum,
            "max": self.maximum,
            "missing": self.missing,
        }


def list_fields(workspace: Workspace, name: str) -> list[FieldInfo]:
    """Every field the items of dataset `name` can be coloured by, the label first."""
    dataset = workspace.dataset(name)
    fields = []
    label = dataset.label_column
    if label:
        fields.append(FieldInfo(label, "category", "dataset"))
        if workspace.annotations.records(name, "correction", dataset.versions):
            fields.append(FieldInfo(CORRECTED_LABEL, "category", "corrections"))
    for column in dataset.table.schema.names:
        if column != label and (info := _dataset_field(dataset, column)) is not None:
            fields.append(info)
    for tag in tags(workspace, name):
        fields.append(FieldInfo(f"{TAG_PREFIX}{tag}", "category", "tags"))
    for entry in workspace.entries("columns", name):
        if entry.status == "complete":
            fields.extend(_derived_fields(workspace, entry))
    return fields


def find_field(workspace: Workspace, name: str, field_name: str) -> FieldInfo:
    """One field, looked up where its name says it lives (listing them all reads every derived
    table and counts the distinct values of every text column)."""
    dataset = workspace.dataset(name)
    info = None
    if field_name in dataset.table.schema.names:
        info = _dataset_field(dataset, field_name)
    elif field_name == CORRECTED_LABEL:
        if dataset.label_column and workspace.annotations.records(
            name, "correction", dataset.versions
        ):
            info = FieldInfo(CORRECTED_LABEL, "category", "corrections")
    elif field_name.startswith(TAG_PREFIX):
        if field_name.removeprefix(TAG_PREFIX) in tags(workspace, name):
            info = FieldInfo(field_name, "category", "tags")
    elif ":" in field_name:
        entry = workspace.result("columns", name, field_name.split(":", 1)[0])
        if entry is not None:
            info = next(
                (f for f in _derived_fields(workspace, entry) if f.name == field_name), None
            )
    if info is None:
        raise NotFoundError(
            f"Dataset '{name}' has no field '{field_name}' to colour by. "
            + did_you_mean(field_name, [f.name for f in list_fields(workspace, name)])
        )
    return info


def field_values(workspace: Workspace, name: str, field_name: str) -> FieldValues:
    """The values of one field for every item, in dataset order."""
    info = find_field(workspace, name, field_name)
    dataset = workspace.dataset(name)
    if info.source == "corrections":
        column = pa.array(corrected_labels(workspace, dataset), type=pa.string())
    elif info.source == "tags":
        members = set(tags(workspace, name)[field_name.removeprefix(TAG_PREFIX)])
        column = pa.array(["tagged" if i in members else "other" for i in dataset.ids()])
    elif info.source == "dataset":
        column = dataset.to_arrow([field_name]).column(field_name).combine_chunks()
    else:
        key, column_name = field_name.split(":", 1)
        entry = workspace.result("columns", name, key)
        assert entry is not None
        column = read_columns(workspace.open_table(entry), [column_name]).column(column_name)
        column = column.combine_chunks()
    if info.kind == "number":
        return _numbers(info, column)
    return _categories(info, column)


def _dataset_field(dataset: Dataset, column: str) -> FieldInfo | None:
    """A payload column as a colour, or None: the label always; ids, texts, media, columns of
    too many distinct strings and wide numeric tables (one column per pixel) never."""
    if column == dataset.label_column:
        return FieldInfo(column, "category", "dataset")
    if column in NOT_COLOURS or column == dataset.text_column:
        return None
    schema = dataset.table.schema
    kind = _kind(schema.field(column).type)
    if kind == "number":
        numeric = sum(_kind(schema.field(c).type) == "number" for c in schema.names)
        return FieldInfo(column, kind, "dataset") if numeric <= MAX_NUMERIC_COLUMNS else None
    if kind == "category" and _few_values(dataset, column):
        return FieldInfo(column, kind, "dataset")
    return None


def _derived_fields(workspace: Workspace, entry: Any) -> list[FieldInfo]:
    table = workspace.open_table(entry)
    fields = []
    for column in table.schema.names:
        kind = "category" if column == "cluster" else _kind(table.schema.field(column).type)
        if column != "id" and not column.endswith("_group") and kind is not None:
            fields.append(
                FieldInfo(f"{entry.name}:{column}", kind, entry.name, entry.meta.get("space"))
            )
    return fields


def corrected_labels(workspace: Workspace, dataset: Dataset) -> list[str | None]:
    """The label column with every correction made in the app applied (latest one wins)."""
    labels = dataset.labels()
    if labels is None:
        raise NotFoundError(f"Dataset '{dataset.name}' has no label column to correct.")
    corrections = label_corrections(workspace, dataset.name)
    if not corrections:
        return [None if v is None else str(v) for v in labels]
    ids = dataset.ids()
    return [
        corrections.get(item, None if given is None else str(given))
        for item, given in zip(ids, labels, strict=True)
    ]


def _kind(arrow_type: pa.DataType) -> FieldKind | None:
    if pa.types.is_boolean(arrow_type) or pa.types.is_string(arrow_type):
        return "category"
    if pa.types.is_large_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return "category"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return "number"
    return None


def _few_values(dataset: Dataset, column: str) -> bool:
    values = dataset.to_arrow([column]).column(column)
    return len(pc.unique(values)) <= MAX_CATEGORIES


def _categories(info: FieldInfo, column: pa.Array) -> FieldValues:
    text = pc.cast(column, pa.string()).fill_null(MISSING)
    encoded = pc.dictionary_encode(text)
    names = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes, minlength=len(names))
    numeric = all(str(n).lstrip("-").isdigit() for n in names if n != MISSING)
    order = sorted(
        range(len(names)),
        key=lambda i: (
            names[i] == MISSING,
            int(names[i]) if numeric and names[i] != MISSING else 0,
            str(names[i]),
        ),
    )
    code_type = np.uint16 if len(names) <= np.iinfo(np.uint16).max + 1 else np.uint32
    remap = np.empty(len(names), dtype=code_type)
    remap[order] = np.arange(len(names), dtype=code_type)
    return FieldValues(
        info,
        remap[codes] if len(names) else codes.astype(code_type),
        [str(names[i]) for i in order],
        [int(counts[i]) for i in order],
        missing=int(column.null_count),
    )


def _numbers(info: FieldInfo, column: pa.Array) -> FieldValues:
    values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
    finite = np.isfinite(values)
    low = float(values[finite].min()) if finite.any() else 0.0
    high = float(values[finite].max()) if finite.any() else 0.0
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    scaled[~finite] = 0.0
    return FieldValues(
        info,
        scaled.astype(np.float32),
        minimum=low,
        maximum=high,
        missing=int((~finite).sum()),
    )
