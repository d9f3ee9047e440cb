"""The language of a text where it can be told without a model: by
writing system (Hangul, Cyrillic, Latin...), and among Latin-script languages by their commonest
function words. Texts too short to tell get None."""

from __future__ import annotations

import re

SCRIPTS = {
    "latin": "A-Za-z\u00c0-\u024f",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "han": "\u4e00-\u9fff",
    "kana": "\u3040-\u30ff",
    "cyrillic": "\u0400-\u04ff",
    "greek": "\u0370-\u03ff",
    "arabic": "\u0600-\u06ff",
    "hebrew": "\u0590-\u05ff",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
}
_SCRIPT_PATTERNS = {name: re.compile(f"[{chars}]") for name, chars in SCRIPTS.items()}
#: frequent function words of each language, none in two lists (words such as 'de', 'la',
#: 'que' or 'para' that several languages share are left out)
FUNCTION_WORDS = {
    "english": "the and of to is that it was for with this are but not have you",
    "german": "der und das ist nicht ein eine ich sie mit den auch sich dem wird",
    "french": "le les et est une des du pas qui dans pour avec sur au ce",
    "spanish": "el los las y es pero más muy está esta lo se al hay",
    "italian": "il di che è della sono gli anche nel alla questo molto ma dei",
    "portuguese": "os é não uma em com mais muito foi são às ao também",
    "dutch": "het een van dat niet op zijn ik voor maar ook er bij",
}
_WORD_LANGUAGE = {w: lang for lang, words in FUNCTION_WORDS.items() for w in words.split()}
_WORD = re.compile(r"[^\W\d_]+")


def writing_system(text: str) -> str | None:
    """The script most of the text's letters are written in (None: no letters)."""
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPT_PATTERNS.items()}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else None


def latin_language(text: str, min_hits: int) -> str | None:
    """The Latin-script language whose function words the text uses most (None: fewer than
    `min_hits` of them, or a tie)."""
    hits: dict[str, int] = {}
    for word in _WORD.findall(text.lower()):
        language = _WORD_LANGUAGE.get(word)
        if language:
            hits[language] = hits.get(language, 0) + 1
    if not hits:
        return None
    ranked = sorted(hits.values(), reverse=True)
    best = max(hits, key=hits.__getitem__)
    if ranked[0] < min_hits or (len(ranked) > 1 and ranked[1] == ranked[0]):
        return None
    return best
