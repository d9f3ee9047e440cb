"""Long texts: windows, pooling and the `long` parameter of every text model that has a window."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods import get
from embedlab.methods.long_text import long_counts, pool_windows, split_long, window_spans
from embedlab.methods.transformer import MiniLM

WINDOWED = ["minilm", "e5", "static"]


def test_window_spans_cover_the_text_with_the_overlap() -> None:
    assert window_spans(5, 8, 2) == [(0, 5)]
    assert window_spans(20, 8, 2) == [(0, 8), (6, 14), (12, 20)]
    assert window_spans(21, 8, 0) == [(0, 8), (8, 16), (16, 21)]
    spans = window_spans(10_000, 254, 32)
    assert spans[0][0] == 0 and spans[-1][1] == 10_000
    assert all(b - a <= 254 for a, b in spans)
    pairs = zip(spans, spans[1:], strict=False)
    assert all(later[0] == earlier[1] - 32 for earlier, later in pairs)
    with pytest.raises(ValueError, match="overlap < window"):
        window_spans(10, 4, 4)


def test_split_and_pool_weight_windows_by_their_tokens() -> None:
    pieces, owners, sizes = split_long([[1, 2, 3], list(range(10))], 4, 0)
    assert [list(p) for p in pieces] == [[1, 2, 3], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert owners.tolist() == [0, 1, 1, 1] and sizes.tolist() == [3, 4, 4, 2]
    vectors = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32)
    pooled = pool_windows(vectors, owners, sizes, 2)
    np.testing.assert_allclose(pooled[0], [1, 0])
    np.testing.assert_allclose(pooled[1], np.array([4, 6]) / np.hypot(4, 6), rtol=1e-6)
    assert pooled.dtype == np.float32 and pooled.flags.c_contiguous
    assert long_counts(owners, 2) == {"chunked": 1, "chunks": 3}


@pytest.mark.parametrize("name", WINDOWED)
def test_bad_long_value_lists_the_choices(name: str) -> None:
    with pytest.raises(InvalidInputError, match="'long' parameter .* one of 'truncate', 'chunk'"):
        get(name)(long="bogus").fit()  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="'long' parameter"):
        get(name).from_params({"long": "Chunk"}).fit()


def test_overlap_must_leave_each_window_half_new() -> None:
    with pytest.raises(InvalidInputError, match=r"'chunk_overlap' .* \[0, 7\] .* Got 8"):
        MiniLM(max_length=16, chunk_overlap=8, long="chunk").fit()
    with pytest.raises(InvalidInputError, match="'chunk_overlap'.* Got -1"):
        MiniLM(chunk_overlap=-1, long="chunk").fit()
    MiniLM(max_length=16, chunk_overlap=8).fit()  # truncating ignores the overlap


@pytest.fixture(scope="module")
def paragraph() -> str:
    return (
        "The lighthouse keeper climbed the spiral stairs every evening to light the lamp, "
        "watching the fishing boats return through the fog while gulls circled the rocks. "
    ) * 2


@pytest.mark.slow
def test_chunk_differs_from_truncate_and_counts_its_windows(paragraph: str) -> None:
    document = paragraph + " ".join(f"The ledger lists cargo number {i}." for i in range(150))
    truncate = MiniLM(long="truncate").fit()
    chunk = MiniLM(long="chunk").fit()
    cut, whole = truncate.transform([document, "short"]), chunk.transform([document, "short"])
    assert truncate.report_["truncated"] == 1 and truncate.report_["chunks"] == 0
    assert chunk.report_["truncated"] == 0 and chunk.report_["chunked"] == 1
    assert chunk.report_["chunks"] >= 5
    assert float(cut[0] @ whole[0]) < 0.95  # the chunked vector sees the whole ledger
    np.testing.assert_allclose(cut[1], whole[1], atol=1e-6)  # a short text is one window
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_text_repeated_pools_to_the_text_itself(paragraph: str) -> None:
    # the windows' pooling, measured without int8's rounding (test_minilm.py covers that)
    model = MiniLM(max_length=48, chunk_overlap=8, long="chunk", precision="fp32").fit()
    once, twice, other = model.transform(
        [paragraph[: len(paragraph) // 2], paragraph, "Stock markets fell sharply today."]
    )
    assert model.report_["chunked"] == 1 and model.report_["chunks"] == 2
    assert float(once @ twice) > 0.97
    assert float(once @ twice) > float(once @ other) + 0.5


@pytest.mark.slow
def test_an_8k_token_document_is_chunked_in_bounded_batches() -> None:
    sentences = [f"Section {i} explains how the parser handles token {i % 97}." for i in range(900)]
    document = " ".join(sentences)
    model = MiniLM(long="chunk").fit()
    tokens = len(model.tokenizer_.encode(document).ids)
    (vector,) = model.transform([document])
    assert tokens >= 8192
    assert model.report_["chunks"] == len(window_spans(tokens - 2, 254, 32))
    assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


@pytest.mark.slow
def test_embed_report_sums_chunks_over_batches(ws, topics_csv) -> None:  # type: ignore[no-untyped-def]
    from embedlab.pipeline.embed import embed
    from embedlab.pipeline.ingest import ingest

    ingest(ws, "topics", topics_csv, text="body", label="topic", id="doc")
    params = {"max_length": 8, "chunk_overlap": 2, "long": "chunk"}
    report = embed(ws, "topics", "minilm", params=params, batch_rows=7).method_report
    model = MiniLM(**params).fit()  # type: ignore[arg-type]
    model.transform(ws.dataset("topics").texts())
    assert report["chunked"] == model.report_["chunked"] > 5
    assert report["chunks"] == model.report_["chunks"] and report["truncated"] == 0
