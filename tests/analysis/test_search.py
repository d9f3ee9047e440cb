from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.index import ExactIndex
from embedlab.analysis.search import check_query_vector, nearest
from embedlab.errors import InvalidInputError


def test_nearest_is_sorted_and_excludes() -> None:
    index = ExactIndex().build(np.eye(4, dtype=np.float32))
    rows, scores = nearest(index, np.array([1, 0.5, 0, 0], np.float32), k=2)
    assert rows.tolist() == [0, 1] and scores[0] > scores[1]
    rows, _ = nearest(index, np.eye(4, dtype=np.float32)[0], k=3, exclude=0)
    assert rows.tolist() == [1, 2, 3]
    rows, _ = nearest(index, np.ones(4, np.float32), k=10)  # k beyond the size: every row
    assert sorted(rows.tolist()) == [0, 1, 2, 3]
    with pytest.raises(InvalidInputError, match="k must be an int >= 1; got 0"):
        nearest(index, np.ones(4, np.float32), k=0)


def test_query_vector_of_wrong_dimension() -> None:
    with pytest.raises(InvalidInputError, match="has 3 dimensions; space 'minilm' has 384"):
        check_query_vector([1, 2, 3], 384, "minilm")
    with pytest.raises(InvalidInputError, match="NaN"):
        check_query_vector([1, float("nan")], 2, "x")
