"""Import a submodule of a third-party package without running the package's `__init__`, where
that `__init__` imports far more than embedlab uses: LanceDB's REST client (its API classes
build pydantic validators at import) and cleanlab (its `__init__` imports Datalab, which
imports Hugging Face `datasets`, pandas and every task's module: ~1 s of a `quality` run that
only calls `cleanlab.filter`).

The package is registered with its real search path but its `__init__` not run: submodules
import as usual, and the first access to any other name (`cleanlab.Datalab`,
`cleanlab.__version__`) runs the real `__init__` in the same module object, so the package still
works in full for anyone who uses it.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from typing import Any

#: dunder names a package's `__init__` defines that users read (the others, such as `__path__`
#: or `__spec__`, are set without the `__init__`, or are probes that must fail quietly)
PUBLIC_DUNDERS = frozenset({"__all__", "__version__"})


def defer_package_init(name: str) -> bool:
    """Register package `name` unexecuted, loaded in full on first attribute access.

    Returns False (and changes nothing) when the package is already imported or not installed.
    """
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)
    loaded = False
    # a second thread waits for the first one's `__init__` instead of seeing a half-run package
    lock = threading.RLock()

    def load_on_first_use(attr: str) -> Any:
        nonlocal loaded
        if attr.startswith("__") and attr not in PUBLIC_DUNDERS:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        with lock:
            if not loaded:
                loaded = True  # the `__init__` reading its own missing names must not recurse
                spec.loader.exec_module(module)  # type: ignore[union-attr]
        if attr in module.__dict__:
            return module.__dict__[attr]
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    module.__getattr__ = load_on_first_use  # type: ignore[method-assign]
    sys.modules[name] = module
    return True
