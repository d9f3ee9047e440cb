"""The deferred REST client: LanceDB works on a local folder without it, and it loads on use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from overrides import override

from embedlab.store.lancedb_import import defer_rest_client, signatures_unchecked


def run_fresh(code: str) -> str:
    """Run `code` in a new interpreter (this one has imported LanceDB already); return stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_a_workspace_opens_and_stores_without_importing_the_rest_api(tmp_path: Path) -> None:
    out = run_fresh(
        f"""
        import sys
        import pyarrow as pa
        from embedlab.store.lancedb_import import import_lancedb
        db = import_lancedb().connect({str(tmp_path)!r})
        db.create_table("t", pa.table({{"x": [1, 2, 3]}}))
        print(db.open_table("t").count_rows())
        print(sorted(m for m in sys.modules if m.startswith("lance_namespace_urllib3_client.api")))
        """
    )
    assert out.split("\n")[:2] == ["3", "[]"]


def test_the_rest_client_loads_in_full_on_first_use() -> None:
    out = run_fresh(
        """
        import sys
        from embedlab.store.lancedb_import import import_lancedb
        import_lancedb()
        import lance_namespace_urllib3_client as client
        from lance_namespace_urllib3_client import TableApi
        print(client.ApiClient.__name__, TableApi.__name__)
        print("lance_namespace_urllib3_client.api.table_api" in sys.modules)
        try:
            client.no_such_name
        except AttributeError as error:
            print("AttributeError", error)
        """
    )
    lines = out.splitlines()
    assert lines[0] == "ApiClient TableApi"
    assert lines[1] == "True"
    assert lines[2].startswith("AttributeError") and "no_such_name" in lines[2]


def test_a_package_already_imported_or_missing_is_left_alone() -> None:
    assert defer_rest_client("json") is False
    assert defer_rest_client("no_such_package_for_embedlab") is False
    assert "no_such_package_for_embedlab" not in sys.modules


class Base:
    """overrides finds base classes by name in the module's globals: this one must be global."""

    def method(self, x: int) -> int:
        return x


def test_signature_checks_are_back_after_the_block() -> None:
    with signatures_unchecked():

        class Loose(Base):
            @override
            def method(self) -> int:  # type: ignore[override]
                return 1

    assert Loose().method() == 1
    try:

        class Strict(Base):
            @override
            def method(self) -> int:  # type: ignore[override]
                return 1

    except TypeError as error:
        assert "method" in str(error)
    else:
        raise AssertionError("overrides no longer checks signatures after the block")
