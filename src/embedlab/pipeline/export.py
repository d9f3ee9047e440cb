"""`export`: a space's vectors to a file other tools read (Parquet with id + vector, or .npy),
and a quality report's issues to CSV."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedlab.errors import InvalidInputError, WorkspaceError
from embedlab.io.csv_safe import write_csv_file
from embedlab.store.workspace import Workspace, vectors_to_arrow

if TYPE_CHECKING:
    from embedlab.pipeline.quality import QualityReport

ISSUE_COLUMNS = ("id", "issue", "score", "given", "suggestion")


def export_space(workspace: Workspace, name: str, space: str, out: str | Path) -> Path:
    path = Path(out).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".npy"):
        raise InvalidInputError(
            f"Cannot export to '{path}': expected a .parquet (id + vector) or .npy file name."
        )
    space_obj = workspace.space(name, space)
    vectors = space_obj.vectors()
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".npy":
            with open(partial, "wb") as fh:
                np.save(fh, vectors)
        else:
            table = pa.table({"id": space_obj.ids(), "vector": vectors_to_arrow(vectors)})
            pq.write_table(table, partial)
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. the folder is a file: there is no part file
            partial.unlink(missing_ok=True)
        raise WorkspaceError(f"Cannot write '{path}': {error.strerror or error}.") from None
    return path


def export_issues(report: QualityReport, path: str | Path) -> Path:
    """What to fix, as CSV: id, issue, score, given label, suggestion (formulas neutralised)."""
    return write_csv_file(path, ISSUE_COLUMNS, report.issues())
