"""Every workspace connection goes through the one LanceDB session whose metadata cache is
bounded (the default cache grew ~700 MB while 10M vectors were committed in batches)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from embedlab.store import lance_connect
from embedlab.store.lance_connect import METADATA_CACHE_BYTES, lance_session
from embedlab.store.workspace import Workspace


def test_the_workspace_caches_in_the_bounded_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lance_connect, "_SESSION", None)  # a fresh session: not yet full
    before = lance_session().size_bytes
    ws = Workspace(tmp_path / "ws")
    table = ws.create_empty_table("t", pa.schema([("row", pa.int64())]))
    for start in range(0, 400, 10):
        table.add(pa.table({"row": pa.array(range(start, start + 10), pa.int64())}))
    assert table.count_rows() == 400
    assert lance_session().size_bytes > before  # the commits were cached in this session
    assert lance_session().size_bytes <= METADATA_CACHE_BYTES
