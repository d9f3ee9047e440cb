"""ELMo: a biLSTM language model trained on a real corpus beats word frequencies on held-out
text, its token vectors depend on the context, its state survives npz, and bad input is named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InvalidInputError
from embedlab.methods.elmo import ELMo, token_spans

LEE = Path(__import__("gensim").__file__).parent / "test" / "test_data" / "lee_background.cor"
SMALL = {"dim": 32, "max_epochs": 2, "min_count": 3, "batch_size": 16, "lr": 0.01}


@pytest.fixture(scope="module")
def lee_elmo() -> ELMo:
    texts = LEE.read_text(encoding="utf-8").splitlines()
    return ELMo(**SMALL).fit(texts)


@pytest.mark.slow
def test_heldout_perplexity_is_finite_and_beats_unigram(lee_elmo: ELMo) -> None:
    report = lee_elmo.report_
    assert report["heldout_tokens"] > 4000 and report["vocabulary"] > 1000
    assert np.isfinite(report["heldout_perplexity"])
    assert report["heldout_perplexity"] < 0.8 * report["unigram_perplexity"], report
    assert len(report["heldout_perplexity_per_epoch"]) == report["epochs"] <= 2
    assert report["forward_perplexity"] > 1 and report["backward_perplexity"] > 1


@pytest.mark.slow
def test_state_round_trips_through_npz(lee_elmo: ELMo, tmp_path: Path) -> None:
    path = tmp_path / "elmo.npz"
    np.savez(path, **lee_elmo.get_state())
    with np.load(path, allow_pickle=False) as data:
        restored = ELMo(**SMALL).set_state({k: data[k] for k in data.files})
    texts = ["The fire spread across the hills near Sydney.", "Police said on Monday."]
    np.testing.assert_allclose(restored.transform(texts), lee_elmo.transform(texts), atol=1e-6)
    assert restored.heldout_perplexity_ == lee_elmo.heldout_perplexity_


@pytest.mark.slow
def test_token_vectors_depend_on_context_except_the_embedding_layer(lee_elmo: ELMo) -> None:
    texts = ["The fire was burning near the town.", "They will fire the workers."]
    mixed = [
        v[lee_elmo.tokens(t).index("fire")]
        for t, v in zip(texts, lee_elmo.token_vectors(texts), strict=True)
    ]
    assert not np.allclose(mixed[0], mixed[1], atol=1e-3)
    state = lee_elmo.get_state()
    embedding = ELMo(**SMALL, mix="embedding").set_state(state)
    static = [
        v[embedding.tokens(t).index("fire")]
        for t, v in zip(texts, embedding.token_vectors(texts), strict=True)
    ]
    np.testing.assert_allclose(static[0], static[1], atol=1e-6)
    assert embedding.dimension_ == 64 and mixed[0].shape == (64,)


@pytest.mark.slow  # loading kiwipiepy's model
def test_korean_is_split_into_morphemes_with_spans() -> None:
    text = "배를 타고 바다로 나갔다."
    spans = token_spans(text)
    assert spans[0] == ("배", 0, 1) and ("를", 1, 2) in spans
    english = token_spans("We saw a Play, then played.")
    assert [form for form, _, _ in english] == [
        "we",
        "saw",
        "a",
        "play",
        ",",
        "then",
        "played",
        ".",
    ]
    assert english[3][1:] == (9, 13)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mix": "top"}, "The 'mix' parameter of ELMo must be one of 'mean'"),
        ({"dropout": 1.5}, r"The 'dropout' parameter of ELMo must be a float in the range \[0"),
        ({"heldout": 0.0}, "The 'heldout' parameter of ELMo must be a float in the range"),
        ({"seq_len": 1}, "The 'seq_len' parameter of ELMo must be an int >= 2. Got 1"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ELMo(**params).fit(["a b c", "d e f"])  # type: ignore[arg-type]


def test_too_little_text_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="at least 2 texts with words"):
        ELMo().fit(["only one text", "", "  "])
    with pytest.raises(InvalidInputError, match="No word occurs at least min_count=3"):
        ELMo(min_count=3).fit(["one two", "three four", "five six"])
