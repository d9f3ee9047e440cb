"""Ratings and other user-item interactions in the workspace: ingest them as two datasets
(`NAME`, the items; `NAME-users`, the users) plus the interactions as the items dataset's
'interactions' result, and read them back as what collaborative methods take.

One fit of a collaborative method (als, bpr, svd) gives two ordinary spaces of the same name:
the item space on `NAME` (what `embed` writes) and the user space on `NAME-users` (written here
from the same fitted state), so map, neighbours, search and the app work on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from embedlab.errors import InvalidInputError, NotFoundError
from embedlab.io.interactions import (
    InteractionColumns,
    InteractionData,
    build_interactions,
    interaction_rows,
    read_interactions,
)
from embedlab.io.readers import read_source
from embedlab.io.sandbox import SandboxDataset
from embedlab.methods.base import Embedder
from embedlab.methods.collaborative import CollaborativeEmbedder, InteractionInput
from embedlab.pipeline.spaces import space_table, store_space
from embedlab.store.catalog import Entry
from embedlab.store.manifest import RunRecord
from embedlab.store.workspace import Dataset, Space, Workspace, read_columns, validate_name

USERS_SUFFIX = "-users"


@dataclass(frozen=True)
class InteractionOptions:
    """How to read interactions: the columns, and an items file with its own columns."""

    columns: InteractionColumns = InteractionColumns()
    items: str | Path | None = None


@dataclass
class Interactions:
    """The stored interactions of an items dataset, as row numbers."""

    user_rows: np.ndarray
    item_rows: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray | None
    n_users: int
    n_items: int

    def to_input(self, keep: np.ndarray | None = None) -> InteractionInput:
        """The users x items matrix (with `keep`, only those interactions: evaluation)."""
        users, items, values = self.user_rows, self.item_rows, self.values
        if keep is not None:
            users, items, values = users[keep], items[keep], values[keep]
        return InteractionInput.from_pairs(
            users, items, values, n_users=self.n_users, n_items=self.n_items
        )


def users_name(name: str) -> str:
    return f"{name}{USERS_SUFFIX}"


def ratings_part(dataset: Dataset) -> str | None:
    """'the items of ratings' or 'the users of ratings' for the two datasets a ratings ingest
    writes (their rows are tied to the stored interactions), else None."""
    role = (dataset.meta.get("interactions") or {}).get("role")
    return f"the {role} of ratings" if role in ("items", "users") else None


def has_interactions(dataset: Dataset) -> bool:
    return dataset.meta.get("interactions", {}).get("role") == "items"


def interactions_entry(workspace: Workspace, dataset: Dataset) -> Entry:
    """The current interactions of an items dataset; a clear error for any other dataset."""
    role = dataset.meta.get("interactions", {}).get("role")
    if role == "users":
        items = dataset.meta["interactions"]["items"]
        raise InvalidInputError(
            f"Dataset '{dataset.name}' holds the users of '{items}': use '{items}' (one fit "
            f"gives both spaces, e.g. `embedlab embed {items} --method als`)."
        )
    if role != "items":
        raise InvalidInputError(
            f"Dataset '{dataset.name}' has no interactions. Ingest a ratings table: `embedlab "
            f"ingest {dataset.name} RATINGS.csv --interactions user,item[,rating]`."
        )
    entry = workspace.result("interactions", dataset.name, dataset.name)
    if entry is None:
        raise NotFoundError(
            f"The interactions of '{dataset.name}' are missing or out of date; ingest it again."
        )
    return entry


def read_stored(workspace: Workspace, dataset: Dataset) -> Interactions:
    """The interactions of an items dataset, as stored."""
    entry = interactions_entry(workspace, dataset)
    table = read_columns(workspace.open_table(entry))
    return Interactions(
        table.column("user_row").to_numpy(),
        table.column("item_row").to_numpy(),
        table.column("value").to_numpy(),
        table.column("timestamp").to_numpy() if "timestamp" in table.column_names else None,
        int(entry.meta["n_users"]),
        len(dataset),
    )


def interaction_input(workspace: Workspace, dataset: Dataset) -> InteractionInput:
    return read_stored(workspace, dataset).to_input()


# -- ingest ------------------------------------------------------------------------------------
def read_interaction_source(
    source: str,
    options: InteractionOptions | None,
    sandbox: SandboxDataset | None,
    *,
    text: str | None,
    label: str | None,
    id: str | None,
) -> InteractionData:
    """Interactions, items and users from a file (and an items file) or a ratings sandbox."""
    if sandbox is not None:
        if sandbox.read_ratings is None:
            raise InvalidInputError(
                f"The sandbox dataset '{sandbox.name}' has no ratings; movielens-100k has."
            )
        if not sandbox.is_available():
            sandbox.load()  # raises the "fetch it first" error
        ratings = sandbox.read_ratings(sandbox.locate())
        described = f"sandbox dataset '{sandbox.name}'"
        columns = InteractionColumns("user", "item", "rating", "timestamp")
        return build_interactions(
            interaction_rows(ratings.interactions, columns, described),
            ratings.items,
            described,
            users=ratings.users,
            users_label=ratings.users_label_column,
            id="id",
            text=text or ratings.text_column,
            label=label or ratings.label_column,
        )
    options = options or InteractionOptions()
    rows = read_interactions(source, options.columns)
    items = read_source(options.items) if options.items is not None else None
    return build_interactions(rows, items, f"'{options.items}'", id=id, text=text, label=label)


def _with_counts(table: pa.Table, rows: np.ndarray, values: np.ndarray, rated: bool) -> pa.Table:
    """Add `n_interactions` (and `mean_rating`) per row, unless the table has such columns."""
    counts = np.bincount(rows, minlength=table.num_rows)
    if "n_interactions" not in table.column_names:
        table = table.append_column("n_interactions", pa.array(counts, pa.int64()))
    if rated and "mean_rating" not in table.column_names:
        sums = np.bincount(rows, weights=values, minlength=table.num_rows)
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        table = table.append_column("mean_rating", pa.array(np.round(mean, 3), from_pandas=True))
    return table


def ingest_interactions(
    workspace: Workspace,
    name: str,
    source: str,
    options: InteractionOptions | None,
    sandbox: SandboxDataset | None,
    *,
    text: str | None = None,
    label: str | None = None,
    id: str | None = None,
) -> dict[str, Any]:
    """Store items as `name`, users as `name-users` and the merged interactions as `name`'s
    'interactions' result (user_row, item_row, value[, timestamp]). Everything is read and
    checked first: a bad row names its file and line and the workspace is left as it was.
    Returns the counts (users, items, interactions, merged duplicate pairs, the rule)."""
    users = validate_name(users_name(name), "dataset")
    data = read_interaction_source(source, options, sandbox, text=text, label=label, id=id)
    stats = {**data.stats, "users_dataset": users}
    rated = bool(stats["rating"])
    params: dict[str, Any] = {"source": source, "text": text, "label": label, "id": id}
    if options is not None:
        params.update(columns=vars(options.columns), items=str(options.items or "") or None)
    with workspace.writing():
        run = RunRecord(kind="ingest", dataset=name, method="ingest-interactions", params=params)
        run.report = stats
        items_table = _with_counts(data.items.table, data.item_rows, data.values, rated)
        meta = {**data.items.meta(source), "limit": None}
        meta["interactions"] = {"role": "items", "users": users, **stats}
        workspace.save_result("dataset", name, name, items_table, run=run, inputs=[], meta=meta)
        users_run = RunRecord(kind="ingest", dataset=users, method="ingest-users", params=params)
        users_table = _with_counts(data.users.table, data.user_rows, data.values, rated)
        users_meta = {**data.users.meta(source), "limit": None, "modality": "table"}
        users_meta["interactions"] = {"role": "users", "items": name}
        workspace.save_result(
            "dataset", users, users, users_table, run=users_run, inputs=[], meta=users_meta
        )
        sources = [workspace.dataset(name), workspace.dataset(users)]
        table_run = RunRecord(kind="ingest", dataset=name, method="interactions", params=params)
        table_run.report = {"n_interactions": stats["n_interactions"]}
        workspace.save_result(
            "interactions", name, name, data.table(), run=table_run, inputs=sources, meta=stats
        )
    return stats


# -- the user space of a fit -------------------------------------------------------------------
def store_user_space(
    workspace: Workspace,
    dataset: Dataset,
    space: str,
    estimator: Embedder,
    signature: dict[str, Any],
    method_report: dict[str, Any],
) -> Space:
    """Write the user vectors of a fitted collaborative method as space `space` of the users
    dataset, computed from that dataset and the interactions (its own run and state copy)."""
    if not isinstance(estimator, CollaborativeEmbedder):
        raise InvalidInputError(f"Method '{estimator.name}' learns no user vectors.")
    users = workspace.dataset(users_name(dataset.name))
    if len(users) != len(estimator.user_vectors_):
        raise InvalidInputError(
            f"Dataset '{users.name}' has {len(users)} users, the fit {len(estimator.user_vectors_)}"
            f"; ingest '{dataset.name}' again."
        )
    run = RunRecord(
        kind="embed",
        dataset=users.name,
        space=space,
        method=estimator.name,
        params=signature["params"],
        seed=signature["params"].get("seed"),
    )
    workspace.save_model_state(run.run_id, estimator.get_state())
    table = space_table(users.ids(), estimator.user_vectors_)
    inputs = [users, interactions_entry(workspace, dataset)]
    return store_space(
        workspace,
        users,
        space,
        table,
        estimator=estimator,
        signature=signature,
        run=run,
        method_report=method_report,
        inputs=inputs,
        extra={"side": "users", "items_dataset": dataset.name},
    )
