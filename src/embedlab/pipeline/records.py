"""A dataset's rows as records (categorical + numeric columns and a target), the input of the
`entity` method and of `evaluate --target`."""

from __future__ import annotations

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.methods.records import Records
from embedlab.store.workspace import Dataset

#: what a dataset holds besides its records' fields: never a feature by default
IMAGE_INFO_COLUMNS = {"width", "height", "thumbnail", "content_hash", "path", "image"}


def feature_columns(dataset: Dataset, target: str, columns: list[str] | None) -> list[str]:
    """The input columns: the ones named (checked), or every column but the id, the text, the
    split, image information and the target. The label is a feature like any other."""
    check_column(dataset, target, "target")
    if columns is not None and not columns:  # the API's "columns": [] meant every column
        raise InvalidInputError(
            "The list of input columns is empty; expected the columns to learn from, or none "
            "given for every column but the id, the text and the target."
        )
    if columns:
        for column in columns:
            check_column(dataset, column, "input")
        if target in columns:
            raise InvalidInputError(
                f"Column '{target}' is the target; it cannot also be an input column. "
                "Leave it out of --columns."
            )
        return list(dict.fromkeys(columns))
    skip = {"id", dataset.text_column, "split", target}
    if dataset.meta.get("image_column"):
        skip |= IMAGE_INFO_COLUMNS
    chosen = [c for c in dataset.columns if c not in skip]
    if not chosen:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' has no columns to learn from besides id, text and the "
            f"target '{target}'."
        )
    return chosen


def check_column(dataset: Dataset, column: str, role: str) -> None:
    if column not in dataset.columns:
        raise InvalidInputError(
            f"Dataset '{dataset.name}' has no {role} column '{column}'. "
            + did_you_mean(column, dataset.columns)
        )


def dataset_records(dataset: Dataset, columns: list[str]) -> Records:
    """The named columns of every item, in dataset order."""
    missing = [c for c in columns if c not in dataset.columns]
    if missing:
        raise NotFoundError(
            f"Dataset '{dataset.name}' has no column '{missing[0]}'. "
            + did_you_mean(missing[0], dataset.columns)
        )
    return Records.from_frame(dataset.to_arrow(list(columns)).to_pandas())


def record_input(
    dataset: Dataset, target: str | None, columns: list[str] | None
) -> tuple[Records, list[str]]:
    """The records a record method is fitted on (features + target) and the feature columns."""
    if not target:
        raise InvalidInputError(
            "The 'target' parameter of EntityEmbedding must be the name of the column to "
            "predict (--param target=COLUMN). Got None instead."
        )
    chosen = feature_columns(dataset, target, columns)
    return dataset_records(dataset, [*chosen, target]), chosen
