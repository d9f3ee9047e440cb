"""Texts in another language than the dataset's: by writing system, and among Latin-script
languages by function words; texts too short to tell are left alone."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.checks import CheckData, run_checks
from embedlab.analysis.language import latin_language, writing_system

ENGLISH = [
    "The film is a quiet study of grief and it never feels forced.",
    "A clumsy script that wastes the talent of its cast, but the score is lovely.",
    "This is the kind of movie you watch with friends and forget by morning.",
    "It was slow at first, and then the last act pulled everything together.",
    "The actors are good but the story has nothing new to say about the war.",
    "You have to admire the ambition of this film, even when it does not work.",
    "A warm and funny picture of a family that is falling apart at the seams.",
    "The dialogue is sharp and the pacing is brisk for most of the running time.",
]
OTHERS = {
    "이 영화는 정말 지루했고 배우들의 연기도 별로였다.": "hangul",
    "Der Film ist nicht schlecht, aber die Geschichte ist mit der Zeit langweilig.": "german",
    "Le film est long et les acteurs ne sont pas dans leur meilleur jour pour ce rôle.": "french",
}


def audit(texts: list[str]) -> dict:
    data = CheckData(ids=[str(i) for i in range(len(texts))], texts=texts)
    return {c.name: c for c in run_checks(data, {}, groups={"text"})}["wrong_language"]


def test_a_few_texts_in_other_languages_are_flagged_with_their_language() -> None:
    texts = ENGLISH * 5 + list(OTHERS) + ["ok", "Bravo!"]
    result = audit(texts)
    flagged = [texts[i] for i in np.flatnonzero(result.flags)]
    assert sorted(flagged) == sorted(OTHERS)
    assert result.summary["main_language"] == "english"
    assert result.summary["undetermined"] == 2  # too short to tell: not flagged
    rows = np.flatnonzero(result.flags)
    assert {result.signals[r] for r in rows} == {f"language:{lang}" for lang in OTHERS.values()}
    assert all(result.suggestions[r].startswith("written in ") for r in rows)


def test_a_dataset_in_one_language_has_nothing_to_flag() -> None:
    assert not audit(ENGLISH * 3).flags.any()


def test_writing_systems_and_function_words() -> None:
    assert writing_system("배를 타고 바다로 나갔다") == "hangul"
    assert writing_system("Война и мир") == "cyrillic"
    assert writing_system("12345 !!") is None
    assert latin_language("El libro es muy bueno pero lo leí rápido", 3) == "spanish"
    assert latin_language("the cat", 3) is None  # too few function words to tell
