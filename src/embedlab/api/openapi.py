"""The app's OpenAPI schema as JSON, the source of the front end's generated TypeScript types:
`python -m embedlab.api.openapi frontend/openapi.json` (run by `make frontend`)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def openapi_schema() -> dict[str, Any]:
    """The schema of `create_app` (which does not depend on the workspace's contents)."""
    from embedlab.api.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        return create_app(Path(folder) / "workspace").openapi()


def schema_text() -> str:
    """The schema as the committed file holds it: indented, one trailing newline."""
    return json.dumps(openapi_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema to the file named in `argv`, or to stdout."""
    text = schema_text()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
