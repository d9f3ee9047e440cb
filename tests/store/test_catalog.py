"""The catalog sees every commit, its own and other processes', while skipping Lance's version
check when the `_versions` folder has not changed since a look taken in a quiet moment."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from embedlab.store.catalog import QUIET_NS, Catalog, Entry
from embedlab.store.workspace import Workspace


def entry(name: str) -> Entry:
    return Entry("dataset", name, "x", f"t-{name}", "complete", "run", {}, time.time())


def age_versions(catalog: Catalog) -> None:
    """Make the `_versions` folder look older than the quiet period."""
    folder = catalog._versions
    assert folder is not None and folder.is_dir()
    old = time.time_ns() - 10 * QUIET_NS
    os.utime(folder, ns=(old, old))


def counted_checks(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per LanceDB version check the catalog makes from now on."""
    table = catalog._open(create=False)
    checks: list[int] = []
    real = table.checkout_latest
    monkeypatch.setattr(table, "checkout_latest", lambda: checks.append(1) or real())
    return checks


@pytest.fixture
def two_handles(tmp_path: Path) -> tuple[Catalog, Catalog]:
    """Two Workspace objects on one folder: two processes' views of the same catalog."""
    first, second = Workspace(tmp_path / "ws"), Workspace(tmp_path / "ws")
    first.catalog.append(entry("a"))
    return first.catalog, second.catalog


def test_a_commit_by_another_handle_is_seen_at_once(two_handles: tuple[Catalog, Catalog]) -> None:
    first, second = two_handles
    assert set(second.current()) == {("dataset", "a", "x")}
    first.append(entry("b"))
    assert set(second.current()) == {("dataset", "a", "x"), ("dataset", "b", "x")}


def test_a_quiet_folder_skips_lance_and_a_new_commit_ends_the_skip(
    two_handles: tuple[Catalog, Catalog], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_handles
    age_versions(second)
    second.current()  # a look in a quiet moment: its stamp is kept
    checks = counted_checks(second, monkeypatch)
    for _ in range(5):
        assert set(second.current()) == {("dataset", "a", "x")}
    assert checks == []
    first.append(entry("b"))  # a new manifest: the folder's time moves
    assert ("dataset", "b", "x") in second.current()
    assert checks == [1]


def test_a_folder_changed_just_now_is_not_trusted(
    two_handles: tuple[Catalog, Catalog], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the quiet period a commit could land in the same tick of a coarse clock."""
    _, second = two_handles
    second.current()
    checks = counted_checks(second, monkeypatch)
    second.current()
    second.current()
    assert checks == [1, 1]


def test_a_failed_look_is_not_trusted_later(
    two_handles: tuple[Catalog, Catalog], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stamp is kept only once the records of its version are read: a look that failed
    half-way must not make the stale cache look current."""
    first, second = two_handles
    second.current()
    first.append(entry("b"))
    age_versions(second)
    table = second._open(create=False)
    real = table.checkout_latest
    monkeypatch.setattr(table, "checkout_latest", lambda: (_ for _ in ()).throw(OSError("io")))
    with pytest.raises(OSError):
        second.current()
    monkeypatch.setattr(table, "checkout_latest", real)
    assert ("dataset", "b", "x") in second.current()


def test_the_shortcut_can_be_switched_off(
    two_handles: tuple[Catalog, Catalog], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = two_handles
    monkeypatch.setenv("EMBEDLAB_CATALOG_STAT", "0")
    age_versions(second)
    second.current()
    checks = counted_checks(second, monkeypatch)
    second.current()
    assert checks == [1]
