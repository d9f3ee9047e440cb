"""The uniqueness check's hashes: the same repeats whether held in memory or spilled to
bucket files, and no file left behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlab.errors import InvalidInputError
from embedlab.io import id_hashes
from embedlab.io.id_hashes import IdHashes
from embedlab.io.items import prepare_items


def spilled_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("embedlab-ids-*"))


@pytest.mark.parametrize("spill_rows", [10**9, 1000, 1])
def test_repeats_are_found_held_or_spilled(spill_rows: int) -> None:
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, 2**63, 700, dtype=np.uint64) for _ in range(6)]
    batches[5][:3] = [batches[0][10], batches[2][20], batches[2][20]]  # across batches, twice
    batches[4][100] = batches[4][200]  # within one batch
    before = spilled_folders()
    hashes = IdHashes(spill_rows=spill_rows)
    for batch in batches:
        hashes.add(batch)
    expected = sorted({int(batches[0][10]), int(batches[2][20]), int(batches[4][200])})
    assert hashes.repeated().tolist() == expected
    assert spilled_folders() == before


def test_a_repeat_across_a_spill_is_named_with_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_hashes, "SPILL_ROWS", 2)
    frame = pd.DataFrame({"key": ["a", "b", "c", "d", "e", "a"], "text": list("uvwxyz")})
    with pytest.raises(InvalidInputError, match=r"1 id\(s\) repeat: 'a' \(rows 0, 5\)"):
        prepare_items(frame, "src", id="key")


def test_no_spilled_file_outlives_a_refused_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_hashes, "SPILL_ROWS", 2)
    before = spilled_folders()
    frame = pd.DataFrame({"key": ["a", "b", "c", None, "e"], "text": list("vwxyz")})
    with pytest.raises(InvalidInputError, match="empty in 1 row") as refused:
        prepare_items(frame, "src", id="key")
    assert spilled_folders() == before  # while the traceback still holds the builder
    assert refused.traceback
