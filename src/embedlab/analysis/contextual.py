"""Contextual against static word vectors: the same word in two sentences gets two different
vectors from a transformer (its hidden state depends on the sentence) but one and the same
vector from word2vec or GloVe ("I went to a play" / "I like to play")."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.words.vectors import WordVectors

DEFAULT_SENTENCES = ("I went to a play", "I like to play")


@dataclass
class ContextComparison:
    word: str
    sentences: tuple[str, ...]
    contextual_cosine: float  # between the word's transformer vectors in the two sentences
    static_cosine: float | None  # between its static vectors in the two sentences: 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def contextual_token_vectors(sentence: str, word: str, model: Any | None = None) -> np.ndarray:
    """The default transformer's (MiniLM) last hidden state of `word` in `sentence`: the mean
    of its word pieces' vectors (384-d)."""
    from embedlab.methods.transformer import MiniLM

    model = model if model is not None else MiniLM().fit()
    encoding = model.tokenizer_.encode(sentence)
    target = word.lower()
    pieces = [
        i
        for i, (start, end) in enumerate(encoding.offsets)
        if encoding.word_ids[i] is not None and _word_at(sentence, start, end) == target
    ]
    if not pieces:
        raise InvalidInputError(f"The word '{word}' is not in the sentence {sentence!r}.")
    ids = np.asarray([encoding.ids], dtype=np.int64)
    mask = np.ones_like(ids)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = model.session_.run(["last_hidden_state"], feeds)
    return hidden[0, pieces].mean(axis=0).astype(np.float32)


def _word_at(sentence: str, start: int, end: int) -> str:
    """The whole word around a word piece's character span."""
    left, right = start, end
    while left > 0 and sentence[left - 1].isalnum():
        left -= 1
    while right < len(sentence) and sentence[right].isalnum():
        right += 1
    return sentence[left:right].lower()


def static_token_vector(sentence: str, word: str, static: Any) -> np.ndarray:
    """The static vector of `word` as it occurs in `sentence`: the sentence is tokenized and
    the token found there is looked up (`static` is WordVectors, or a fitted word method such
    as Word2Vec whose `transform` of the token gives its vector). Nothing else of the sentence
    goes in: a static model has one vector per word."""
    target = word.lower()
    if isinstance(static, WordVectors):
        tokens = [sentence[m.start() : m.end()] for m in re.finditer(r"\w+", sentence)]
    else:
        tokens = static.tokens(sentence)
    found = [t for t in tokens if t.lower() == target]
    if not found:
        raise InvalidInputError(f"The word '{word}' is not in the sentence {sentence!r}.")
    if isinstance(static, WordVectors):
        return static.vector(found[0])
    if found[0] not in static.index():
        raise InvalidInputError(
            f"The word '{found[0]}' is not in the vocabulary of {type(static).__name__}."
        )
    return static.transform([found[0]])[0]


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


def compare_contexts(
    word: str = "play",
    sentences: tuple[str, ...] = DEFAULT_SENTENCES,
    static: Any | None = None,
) -> ContextComparison:
    """Cosine between `word`'s contextual vectors in the first two sentences, and between its
    static vectors there (`static`: WordVectors or a fitted word method; each sentence's token
    looked up on its own, see `static_token_vector`)."""
    if len(sentences) < 2:
        raise InvalidInputError("Give two sentences that both contain the word.")
    from embedlab.methods.transformer import MiniLM

    model = MiniLM().fit()
    first, second = (contextual_token_vectors(s, word, model) for s in sentences[:2])
    static_cosine = None
    if static is not None:
        first_static, second_static = (static_token_vector(s, word, static) for s in sentences[:2])
        static_cosine = _cosine(first_static, second_static)
    return ContextComparison(word, tuple(sentences[:2]), _cosine(first, second), static_cosine)
