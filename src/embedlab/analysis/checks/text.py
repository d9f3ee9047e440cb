"""Simple text checks: empty, very short or very long (on a log scale against the dataset's
robust fence), mostly not letters, encoding damage (replacement characters, UTF-8 read as
Latin-1 or cp1252: 'Ã©', 'â€™', stray C1 control characters) and a language rare in the
dataset (by writing system and function words: analysis/language.py)."""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np

from embedlab.analysis.checks.base import Check, CheckData, register
from embedlab.analysis.image_quality import threshold_check
from embedlab.analysis.language import latin_language, writing_system
from embedlab.analysis.results import CheckResult

#: UTF-8 bytes decoded as Latin-1/cp1252 ('Ã©' for 'é', 'â€™' for a quote), U+FFFD, C1 controls
MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|Ã[^\\s]|\ufffd|[\u0080-\u009f]")


def _texts(data: CheckData) -> list[str]:
    assert data.texts is not None
    return ["" if t is None else str(t) for t in data.texts]


class _TextCheck(Check):
    needs: ClassVar[frozenset[str]] = frozenset({"texts"})
    group = "text"


@register
class EmptyTextCheck(_TextCheck):
    """Texts that are empty or only whitespace."""

    name = "empty_text"

    def run(self, data: CheckData) -> CheckResult:
        empty = np.array([not t.strip() for t in _texts(data)], dtype=bool)
        return CheckResult(
            name=self.name,
            scores=np.where(empty, 0.0, 1.0),
            flags=empty,
            summary={"flagged": int(empty.sum())},
        )


def _log_lengths(data: CheckData) -> tuple[np.ndarray, np.ndarray]:
    texts = _texts(data)
    lengths = np.array([len(t.strip()) for t in texts], dtype=np.float64)
    return np.log1p(lengths), lengths > 0


@register
class ShortTextCheck(_TextCheck):
    """Non-empty texts far shorter than the dataset's (or than `min_chars`, always)."""

    name = "short_text"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "fence": (0, None),
        "min_chars": (0, None),
    }

    def run(self, data: CheckData, *, fence: float = 3.0, min_chars: int = 3) -> CheckResult:
        values, present = _log_lengths(data)
        result = threshold_check(
            self.name, values, "low", fence=fence, always=float(np.log1p(min_chars - 1) + 1e-9)
        )
        result.flags &= present  # empty texts are the empty check's
        result.signals = np.where(result.flags, self.name, "").astype(object)
        result.summary["flagged"] = int(result.flags.sum())
        result.params = {"fence": fence, "min_chars": min_chars}
        return result


@register
class LongTextCheck(_TextCheck):
    """Texts far longer than the dataset's (log length beyond the robust fence)."""

    name = "long_text"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "fence": (0, None),
        "max_chars": (1, None),
    }

    def run(
        self, data: CheckData, *, fence: float = 3.0, max_chars: int | None = None
    ) -> CheckResult:
        values, _ = _log_lengths(data)
        threshold = None if max_chars is None else float(np.log1p(max_chars))
        result = threshold_check(self.name, values, "high", threshold=threshold, fence=fence)
        result.params = {"fence": fence, "max_chars": max_chars}
        return result


@register
class NonLetterTextCheck(_TextCheck):
    """Texts where letters are under `min_letters` of the non-space characters (markup,
    numbers, symbols, base64); the score is that share."""

    name = "non_letter_text"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"min_letters": (0, 1)}

    def run(self, data: CheckData, *, min_letters: float = 0.5) -> CheckResult:
        shares = []
        for text in _texts(data):
            visible = [c for c in text if not c.isspace()]
            shares.append(sum(c.isalpha() for c in visible) / len(visible) if visible else 1.0)
        share = np.asarray(shares, dtype=np.float64)
        flags = share < min_letters
        return CheckResult(
            name=self.name,
            scores=share,
            flags=flags,
            summary={"flagged": int(flags.sum()), "threshold": min_letters},
            params={"min_letters": min_letters},
            values=share,
        )


@register
class EncodingDamageCheck(_TextCheck):
    """Texts with at least `min_marks` signs of encoding damage (mojibake, U+FFFD, C1)."""

    name = "encoding_damage"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"min_marks": (1, None)}

    def run(self, data: CheckData, *, min_marks: int = 1) -> CheckResult:
        marks = np.array([len(MOJIBAKE.findall(t)) for t in _texts(data)], dtype=np.float64)
        flags = marks >= min_marks
        return CheckResult(
            name=self.name,
            scores=1.0 / (1.0 + marks),
            flags=flags,
            summary={"flagged": int(flags.sum()), "marks": int(marks.sum())},
            params={"min_marks": min_marks},
            values=marks,
        )


@register
class WrongLanguageCheck(_TextCheck):
    """Texts whose writing system, or Latin-script language, is rare in the dataset (under
    `max_share` of the texts where it can be told)."""

    name = "wrong_language"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "max_share": (0, 1),
        "min_hits": (1, None),
    }

    def run(self, data: CheckData, *, max_share: float = 0.05, min_hits: int = 3) -> CheckResult:
        assert data.texts is not None
        texts = ["" if t is None else str(t) for t in data.texts]
        languages = []
        for text in texts:
            script = writing_system(text)
            language = latin_language(text, min_hits) if script == "latin" else script
            languages.append(language)
        told = [lang for lang in languages if lang is not None]
        counts = {lang: told.count(lang) for lang in set(told)}
        shares = np.array(
            [counts[lang] / len(told) if lang is not None else 1.0 for lang in languages]
        )
        flags = shares < max_share
        main = max(counts, key=counts.__getitem__) if counts else None
        return CheckResult(
            name=self.name,
            scores=np.where(flags, shares, 1.0),
            flags=flags,
            summary={
                "flagged": int(flags.sum()),
                "main_language": main,
                "languages": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
                "undetermined": len(languages) - len(told),
            },
            params={"max_share": max_share, "min_hits": min_hits},
            suggestions=[
                f"written in {lang}" if flag else None
                for lang, flag in zip(languages, flags, strict=True)
            ],
            signals=np.where(flags, [f"language:{lang}" for lang in languages], "").astype(object),
        )
