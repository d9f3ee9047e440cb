"""Import LanceDB without paying for the REST namespace client it never uses on a local folder.

`import lancedb` imports `lance_namespace`, which imports the package of the generated REST
client `lance_namespace_urllib3_client`; that package's `__init__` imports every API class of the
client, and each builds pydantic validators at import: about 0.8 s of CPU on every command that
opens a workspace (measured: 2.0-2.3 s for `import lancedb`, 1.2-1.4 s with this). LanceDB and
lance_namespace only use the client's `models` subpackage. So before LanceDB is imported, the
client's package is registered with its real search path but its `__init__` not run: submodules
(`.models`) import as usual, and the first access to any other name runs the real `__init__` in
the same module object, so the REST client still works for anyone who uses it.

LanceDB also marks ~100 methods with `overrides.override`, which checks each one's signature
against its base class as the class is defined (~0.2 s): a check for LanceDB's developers, skipped
while LanceDB loads and restored after.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType

from embedlab.deferred import defer_package_init

REST_CLIENT = "lance_namespace_urllib3_client"


def defer_rest_client(name: str = REST_CLIENT) -> bool:
    """Register package `name` unexecuted, loaded in full on first attribute access.

    Returns False (and changes nothing) when the package is already imported or not installed.
    """
    return defer_package_init(name)


@contextlib.contextmanager
def signatures_unchecked() -> Iterator[None]:
    """Within the block, `@overrides.override` marks methods without comparing signatures."""
    try:
        decorator = importlib.import_module("overrides.overrides")
    except ImportError:  # pragma: no cover - a LanceDB that no longer needs it
        yield
        return
    check = getattr(decorator, "_validate_method", None)
    if check is None:  # pragma: no cover - another overrides release
        yield
        return
    decorator._validate_method = lambda *args: None
    try:
        yield
    finally:
        decorator._validate_method = check


def import_lancedb() -> ModuleType:
    """`import lancedb`, quietly and with the REST client deferred."""
    # Lance logs a warning on every table it creates; keep the user's setting if any.
    os.environ.setdefault("LANCEDB_LOG", "error")
    if "lancedb" not in sys.modules:
        defer_rest_client()
        with signatures_unchecked():
            import lancedb
    import lancedb

    return lancedb
