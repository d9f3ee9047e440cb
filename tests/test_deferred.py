"""A package whose `__init__` is deferred: its submodules import without it, and it loads in
full on first use (cleanlab: `filter` without Datalab and Hugging Face `datasets`)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from embedlab.deferred import defer_package_init


def run_fresh(code: str) -> dict:
    """Run `code` in a new interpreter; it prints one JSON object."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cleanlab_filter_imports_without_datalab_and_the_package_loads_on_use() -> None:
    out = run_fresh(
        """
        import json, sys
        from embedlab.deferred import defer_package_init
        first = defer_package_init("cleanlab")
        again = defer_package_init("cleanlab")
        from cleanlab.filter import find_label_issues
        heavy = ("cleanlab.classification", "cleanlab.datalab", "datasets")
        before = sorted(m for m in heavy if m in sys.modules)
        import cleanlab
        version = cleanlab.__version__
        print(json.dumps({
            "first": first, "again": again, "before": before, "version": version,
            "loaded": "cleanlab.classification" in sys.modules and "Datalab" in vars(cleanlab),
            "filter": find_label_issues.__module__,
        }))
        """
    )
    assert out["first"] is True and out["again"] is False  # registered once
    assert out["before"] == []  # filter alone: no Datalab, no `datasets`
    assert out["filter"] == "cleanlab.filter"
    from importlib.metadata import version

    assert out["version"] == version("cleanlab")  # __version__ loads the real __init__
    assert out["loaded"] is True  # and with it the rest of the package


def test_a_probe_of_a_private_dunder_does_not_load_the_package() -> None:
    out = run_fresh(
        """
        import json, sys
        from embedlab.deferred import defer_package_init
        defer_package_init("cleanlab")
        import cleanlab
        probed = hasattr(cleanlab, "__wrapped__")
        print(json.dumps({"probed": probed, "loaded": "cleanlab.classification" in sys.modules}))
        """
    )
    assert out == {"probed": False, "loaded": False}


def test_a_module_already_imported_or_missing_or_no_package_is_left_alone() -> None:
    assert defer_package_init("json") is False  # imported already
    assert defer_package_init("no_such_package_for_embedlab") is False
    assert "no_such_package_for_embedlab" not in sys.modules


def test_two_threads_first_using_the_package_both_see_it_loaded(tmp_path) -> None:
    # the second thread got an AttributeError while the first one was running the `__init__`
    package = tmp_path / "slowpkg"
    package.mkdir()
    (package / "__init__.py").write_text("import time\ntime.sleep(0.5)\nVALUE = 42\n")
    out = run_fresh(
        f"""
        import json, sys, threading
        sys.path.insert(0, {str(tmp_path)!r})
        from embedlab.deferred import defer_package_init
        defer_package_init("slowpkg")
        import slowpkg
        seen = []
        def use():
            try:
                seen.append(slowpkg.VALUE)
            except AttributeError as error:
                seen.append(str(error))
        threads = [threading.Thread(target=use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(json.dumps({{"seen": seen}}))
        """
    )
    assert out["seen"] == [42, 42]
