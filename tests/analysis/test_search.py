from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.search import check_query_vector, nearest
from embedlab.errors import InvalidInputError


def test_nearest_is_sorted_and_excludes() -> None:
    unit = np.eye(4, dtype=np.float32)
    rows, scores = nearest(unit, np.array([1, 0.5, 0, 0], np.float32), k=2)
    assert rows.tolist() == [0, 1] and scores[0] > scores[1]
    rows, _ = nearest(unit, unit[0], k=3, exclude=0)
    assert 0 not in rows


def test_query_vector_of_wrong_dimension() -> None:
    with pytest.raises(InvalidInputError, match="has 3 dimensions; space 'minilm' has 384"):
        check_query_vector([1, 2, 3], 384, "minilm")
    with pytest.raises(InvalidInputError, match="NaN"):
        check_query_vector([1, float("nan")], 2, "x")
