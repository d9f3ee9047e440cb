"""`export`: a space's vectors to a file other tools read (Parquet with id + vector, or .npy),
and a quality report's issues to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedlab.errors import InvalidInputError
from embedlab.io.atomic import atomic_file
from embedlab.io.csv_safe import write_csv_file
from embedlab.store.workspace import Workspace, vectors_to_arrow

if TYPE_CHECKING:
    from embedlab.pipeline.quality import QualityReport

ISSUE_COLUMNS = ("id", "issue", "score", "given", "suggestion", "signal", "group")


def export_space(workspace: Workspace, name: str, space: str, out: str | Path) -> Path:
    path = Path(out).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".npy"):
        raise InvalidInputError(
            f"Cannot export to '{path}': expected a .parquet (id + vector) or .npy file name."
        )
    space_obj = workspace.space(name, space)
    vectors = space_obj.vectors()
    with atomic_file(path) as partial:
        if suffix == ".npy":
            with open(partial, "wb") as fh:
                np.save(fh, vectors)
        else:
            table = pa.table({"id": space_obj.ids(), "vector": vectors_to_arrow(vectors)})
            pq.write_table(table, partial)
    return path


def export_issues(report: QualityReport, path: str | Path) -> Path:
    """What to fix, as CSV: id, issue, score, given label, suggestion, the signal that raised
    the flag and the group found together (near-duplicates, foreign groups; formulas
    neutralised)."""
    return write_csv_file(path, ISSUE_COLUMNS, report.issues())
