"""Where each stored result came from, and whether it still holds: the one freshness rule.

Every catalog entry records `meta["inputs"]`, the refs of the results it was computed from
with the run id each had then. A result is fresh while every input is still the current,
complete and itself fresh result under its ref; replacing or deleting a result drops what names
it as an input. No pipeline step compares versions itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from embedlab.store.catalog import Catalog, Entry, parse_ref, result_ref

#: results that can be grown in place when their input grows: they survive its growth, stale
GROWING_KINDS = ("space", "projection")


class Versioned(Protocol):
    """Anything a result can be computed from: a catalog entry or a handle on one."""

    @property
    def ref(self) -> str: ...

    @property
    def version(self) -> str: ...


def input_versions(inputs: Iterable[Versioned | Entry]) -> dict[str, str]:
    """{ref: run id} of the given inputs, in the order given."""
    return {item.ref: item.run_id if isinstance(item, Entry) else item.version for item in inputs}


def inputs_of(entry: Entry) -> dict[str, str]:
    """The inputs an entry was computed from."""
    recorded = entry.meta.get("inputs")
    return dict(recorded) if recorded is not None else _legacy_inputs(entry)


def _legacy_inputs(entry: Entry) -> dict[str, str]:
    """Workspaces written before the store recorded inputs kept one version key per kind:
    `space_run` (graphs, projections, the app's columns) or `input_version` (the dataset)."""
    meta = entry.meta
    if "space_run" in meta:
        space = entry.name.split("/")[0]
        return {result_ref("space", entry.dataset, space): meta["space_run"]}
    if "input_version" in meta and entry.kind != "dataset":
        return {result_ref("dataset", entry.dataset, entry.dataset): meta["input_version"]}
    return {}


def is_fresh(catalog: Catalog, entry: Entry) -> bool:
    """True while every input of `entry` is the current complete result of its ref, and fresh."""
    for ref, version in inputs_of(entry).items():
        current = catalog.get(*parse_ref(ref))
        if current is None or current.status != "complete" or current.run_id != version:
            return False
        if not is_fresh(catalog, current):
            return False
    return True


def stale_inputs(catalog: Catalog, entry: Entry) -> list[str]:
    """The refs among `entry`'s direct inputs that changed since it was computed (for errors)."""
    stale = []
    for ref, version in inputs_of(entry).items():
        current = catalog.get(*parse_ref(ref))
        if current is None or current.run_id != version or not is_fresh(catalog, current):
            stale.append(ref)
    return stale


def dependents(catalog: Catalog, entry: Entry) -> list[Entry]:
    """The results computed from `entry` (those naming it as an input); for a dataset, also
    everything else stored under it."""
    found = []
    for other in catalog.entries():
        if other.ref == entry.ref:
            continue
        named = entry.ref in inputs_of(other)
        if named or (entry.kind == "dataset" and other.dataset == entry.dataset):
            found.append(other)
    return found


def lineage_after(grown: Entry, n_before: int) -> list[dict[str, Any]]:
    """The lineage of a result that extends `grown` (which had `n_before` rows)."""
    return [*grown.meta.get("lineage", []), {"version": grown.run_id, "n_items": n_before}]


def grown_inputs(catalog: Catalog, entry: Entry) -> dict[str, int] | None:
    """{ref: rows it had then} for each input of `entry` that only grew since `entry` was
    computed, when every stale input grew (and is itself fresh); None when any input was
    replaced or deleted, or when none changed."""
    grown: dict[str, int] = {}
    for ref, version in inputs_of(entry).items():
        current = catalog.get(*parse_ref(ref))
        if current is None or current.status != "complete" or not is_fresh(catalog, current):
            return None
        if current.run_id == version:
            continue
        before = [s["n_items"] for s in current.meta.get("lineage", []) if s["version"] == version]
        if not before:
            return None
        grown[ref] = int(before[0])
    return grown or None
