"""Entity embeddings in use: `categories` (a column's values as a dataset with their learned
vectors, to map and search) and `evaluate --target` (one-hot vs entity vs numeric PCA)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.analysis.encodings import EncodingComparison, compare_encodings
from embedlab.errors import InvalidInputError
from embedlab.methods.entity import EntityEmbedding
from embedlab.methods.records import OTHER, as_category_text
from embedlab.pipeline.embed import load_estimator
from embedlab.pipeline.records import dataset_records, feature_columns
from embedlab.pipeline.spaces import space_table, store_space
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Space, Workspace, validate_name

#: the meta key that marks a categories dataset and says where its values came from
CATEGORIES_KEY = "categories"


@dataclass
class CategoriesReport:
    """The dataset of a column's categories and its space of learned vectors."""

    dataset: str
    space: str
    source: str
    column: str
    n_items: int
    dim: int
    other_count: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def categories(
    workspace: Workspace,
    name: str,
    space: str,
    column: str,
    *,
    into: str | None = None,
) -> CategoriesReport:
    """Store the values of `column` as dataset `into` (default NAME-COLUMN): id = the value,
    `count` = how many items of NAME have it (the '<other>' row counts the rare and unseen
    ones), with the mean target for a regression; its space SPACE holds each value's learned
    vector. Computed from the entity space, so it is dropped when that space is replaced."""
    source = workspace.space(name, space)
    estimator = _entity_estimator(workspace, source)
    values, vectors = estimator.category_vectors(column)
    target_name = str(source.params.get("target"))
    dataset_name = validate_name(f"{name}-{column}" if into is None else into, "dataset")
    _refuse_replacing_other_data(workspace, dataset_name)
    table = _categories_table(source, column, target_name, values, estimator)
    signature = {"method": source.method, "params": source.params, "columns": [column]}
    meta = {
        "source": f"categories of column '{column}' in space '{space}' of dataset '{name}'",
        "n_items": len(values),
        "text_column": "value",
        "label_column": None,
        "skipped_empty_text": 0,
        "skipped_rows": [],
        "renamed_columns": {},
        "image_column": None,
        "modality": "table",
        "skipped_files": [],
        "n_skipped_files": 0,
        # not "kind": the HTTP API's DatasetMeta names the kinds it knows (words, graph)
        CATEGORIES_KEY: {"dataset": name, "space": space, "column": column},
    }
    with workspace.writing():
        run = RunRecord(
            kind="categories", dataset=dataset_name, method=source.method, params=signature
        )
        run.report = {"n_items": len(values), "column": column}
        workspace.save_result(
            "dataset", dataset_name, dataset_name, table, run=run, inputs=[source], meta=meta
        )
        dataset = workspace.dataset(dataset_name)
        space_run = RunRecord(
            kind="embed",
            dataset=dataset_name,
            space=space,
            method=source.method,
            params=source.params,
            seed=source.params.get("seed"),
        )
        workspace.save_model_state(space_run.run_id, estimator.get_state())
        store_space(
            workspace,
            dataset,
            space,
            space_table(values.tolist(), vectors),
            estimator=estimator,
            signature=signature,
            run=space_run,
            method_report={"column": column, "categories": len(values) - 1},
        )
    counts = table.column("count").to_numpy()
    return CategoriesReport(
        dataset_name, space, name, column, len(values), int(vectors.shape[1]), int(counts[0])
    )


def _entity_estimator(workspace: Workspace, space: Space) -> EntityEmbedding:
    if space.method != EntityEmbedding.name:
        raise InvalidInputError(
            f"Space '{space.name}' of dataset '{space.dataset}' was made by '{space.method}'; "
            "category vectors come from an entity space: `embedlab embed "
            f"{space.dataset} --method entity --param target=COLUMN`."
        )
    estimator = load_estimator(workspace, space)
    assert isinstance(estimator, EntityEmbedding)
    return estimator


def _refuse_replacing_other_data(workspace: Workspace, dataset_name: str) -> None:
    if workspace.has_dataset(dataset_name):
        existing = workspace.dataset(dataset_name)
        if CATEGORIES_KEY not in existing.meta:
            raise InvalidInputError(
                f"Dataset '{dataset_name}' exists and is not a categories dataset; choose "
                "another name with --as NAME."
            )


def _categories_table(
    source: Space, column: str, target: str, values: np.ndarray, estimator: EntityEmbedding
) -> pa.Table:
    """id/value, count of the source's items per value and, for numbers, their mean target."""
    dataset = source.source
    assert dataset is not None
    codes = estimator.vocabularies_[estimator.columns_.index(column)].codes(
        as_category_text(np.asarray(dataset.column(column), dtype=object))
    )
    counts = np.bincount(codes, minlength=len(values))
    columns: dict[str, Any] = {
        "id": pa.array(values.tolist(), pa.string()),
        "value": pa.array([v if v != OTHER else "(rare or unseen)" for v in values], pa.string()),
        "count": pa.array(counts, pa.int64()),
    }
    if target in dataset.columns:
        records = dataset_records(dataset, [target])
        if records.is_numeric(target):
            y = records.column(target)
            labelled = np.isfinite(y)
            sums = np.bincount(codes[labelled], weights=y[labelled], minlength=len(values))
            n = np.bincount(codes[labelled], minlength=len(values))
            with np.errstate(invalid="ignore", divide="ignore"):
                means = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
            columns[f"mean_{target}"] = pa.array(means, pa.float64(), mask=n == 0)
    return pa.table(columns)


def evaluate_target(
    workspace: Workspace,
    name: str,
    target: str,
    *,
    columns: list[str] | None = None,
    seed: int = 0,
    entity_params: dict[str, Any] | None = None,
) -> EncodingComparison:
    """One-hot vs entity vs numeric PCA features of dataset `name` predicting `target` with the
    same downstream models on one seeded split (see `analysis.encodings`); recorded in the
    manifest. The entity tables are fitted on the training rows only."""
    given = entity_params or {}
    for key, option in (("target", f"--target {target}"), ("seed", f"--seed {seed}")):
        if key in given:  # silently replaced by the option before
            raise InvalidInputError(
                f"--param {key}={given[key]} (given for the entity fit) conflicts with "
                f"{option}, which sets it for every encoding; leave --param {key} out."
            )
    dataset = workspace.dataset(name)
    chosen = feature_columns(dataset, target, columns)
    records = dataset_records(dataset, [*chosen, target])
    split = dataset.column("split") if "split" in dataset.columns else None
    comparison = compare_encodings(
        records, target, seed=seed, entity_params=entity_params, split=split
    )
    run = RunRecord(
        kind="evaluate",
        dataset=name,
        method="encodings",
        params={"target": target, "columns": chosen, "entity": entity_params or {}},
        seed=seed,
    )
    run.report = comparison.to_dict()
    with workspace.writing():
        run.duration_s = time.time() - run.started_at
        workspace.manifest.record(run)
    return comparison
