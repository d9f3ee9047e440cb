"""Every occurrence of a word in a corpus, with its contextual token vector: one item per use of
the word, so a map of them shows its senses as clusters ("a play" vs "to play"; 배: ship, pear,
belly).

Occurrences are whole tokens matched case-insensitively on ELMo's tokenisation (words and marks;
Korean morphemes by kiwipiepy, so 배 is found inside 배를 and 배가). Their vectors come from
MiniLM (the mean of the hidden states of the word pieces over the occurrence's characters,
the text as context) or from a fitted ELMo (the token's mixed layers).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.elmo import ELMo, token_spans

SENTENCE_END = re.compile(r"(?<=[.!?\u3002])\s+|\n+")
MAX_SHOWN_CHARS = 300
MINILM_BATCH = 32


@dataclass(frozen=True)
class Occurrence:
    row: int  # the text's row in the corpus
    position: int  # token index in the text
    start: int  # character span of the token in the text
    end: int
    form: str  # the token as it stands in the text


def find_occurrences(texts: list[str], word: str, lowercase: bool = True) -> list[Occurrence]:
    """Every whole-token occurrence of `word` (case-insensitive unless `lowercase` is False)."""
    target = word.strip()
    if not target or len(token_spans(target, lowercase=False)) != 1:
        raise InvalidInputError(
            f"Expected one word (a single token); got {word!r}, which is "
            f"{len(token_spans(target, lowercase=False))} tokens (Korean: one morpheme, e.g. 배 "
            "rather than 배를)."
        )
    key = target.lower() if lowercase else target
    found = []
    for row, text in enumerate(texts):
        if key not in (text.lower() if lowercase else text):
            continue  # cheap filter before tokenising
        for position, (form, start, end) in enumerate(token_spans(text, lowercase)):
            if form == key:
                found.append(Occurrence(row, position, start, end, text[start:end]))
    return found


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding characters start:end, cut to about 300 characters around them."""
    left = 0
    right = len(text)
    for match in SENTENCE_END.finditer(text):
        if match.end() <= start:
            left = match.end()
        elif match.start() >= end:
            right = match.start()
            break
    if right - left > MAX_SHOWN_CHARS:
        half = MAX_SHOWN_CHARS // 2
        left, right = max(left, start - half), min(right, end + half)
    return text[left:right].strip()


def elmo_token_vectors(texts: list[str], occurrences: list[Occurrence], model: ELMo) -> np.ndarray:
    """The fitted ELMo's vector of each occurrence (its token in the whole text's context)."""
    rows = sorted({o.row for o in occurrences})
    per_text = dict(zip(rows, model.token_vectors([texts[r] for r in rows]), strict=True))
    out = np.stack([per_text[o.row][o.position] for o in occurrences])
    return np.ascontiguousarray(out, dtype=np.float32)


def minilm_token_vectors(texts: list[str], occurrences: list[Occurrence], model: Any) -> np.ndarray:
    """MiniLM's (fitted `embedlab.methods.transformer.MiniLM`) last hidden state of each
    occurrence: the mean over the word pieces covering its characters. A text longer than the
    model's window is cut to a window of characters around the occurrence, as wide as fits."""
    contexts: list[tuple[str, int, int]] = []  # (context text, start, end) per occurrence
    whole: dict[int, Any] = {}
    for occ in occurrences:
        text = texts[occ.row]
        if occ.row not in whole:
            whole[occ.row] = model.tokenizer_.encode(text)
        if _pieces(whole[occ.row], occ.start, occ.end):
            contexts.append((text, occ.start, occ.end))
        else:
            contexts.append(_window(model, text, occ.start, occ.end))
    by_context: dict[str, list[int]] = defaultdict(list)
    for index, (context, _, _) in enumerate(contexts):
        by_context[context].append(index)
    unique = list(by_context)
    encodings = model.tokenizer_.encode_batch(unique)
    out = np.empty((len(occurrences), 384), dtype=np.float32)
    order = np.argsort([len(e.ids) for e in encodings], kind="stable")
    for begin in range(0, len(order), MINILM_BATCH):
        chosen = order[begin : begin + MINILM_BATCH].tolist()
        hidden = _run(model, [encodings[i] for i in chosen])
        for slot, which in enumerate(chosen):
            for index in by_context[unique[which]]:
                _, start, end = contexts[index]
                pieces = _pieces(encodings[which], start, end)
                out[index] = hidden[slot, pieces].mean(axis=0)
    return out


def _pieces(encoding: Any, start: int, end: int) -> list[int]:
    """Word pieces (no special tokens) whose characters overlap start:end."""
    return [
        i
        for i, (s, e) in enumerate(encoding.offsets)
        if encoding.word_ids[i] is not None and s < end and e > start
    ]


def _window(model: Any, text: str, start: int, end: int) -> tuple[str, int, int]:
    """The widest window of characters around start:end whose tokens fit the model whole."""
    half = 1000
    while half > 0:
        left = max(0, start - half)
        window = text[left : end + half]
        encoding = model.tokenizer_.encode(window)
        if not encoding.overflowing and _pieces(encoding, start - left, end - left):
            return window, start - left, end - left
        half //= 2
    return text[start:end], 0, end - start


def _run(model: Any, encodings: list[Any]) -> np.ndarray:
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = model.session_.run(["last_hidden_state"], feeds)
    return hidden
