"""How well contextual token vectors separate the senses of an ambiguous word: nearest-neighbour
agreement and k-means purity against known senses, and the sentences to check it on
("play": a stage play vs the verb; Korean 배: ship, pear, belly)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from embedlab.errors import InvalidInputError

#: Handwritten sentences: "play" the stage work (noun) and "play" the verb.
PLAY_SENSES: dict[str, tuple[str, ...]] = {
    "theatre": (
        "We went to see a play at the theatre last night.",
        "The play opened on Broadway to rave reviews.",
        "Shakespeare wrote the play in 1600, and it is still staged today.",
        "The actors rehearsed the play for six weeks before the premiere.",
        "Her new play about a family in crisis won a prize.",
        "The school put on a play and the parents filled the hall.",
        "The critics said the play was too long but the second act was moving.",
        "We bought tickets for the play and sat in the front row.",
        "The film is based on a play by Tennessee Williams.",
        "After the play ended, the audience stood and applauded the cast.",
        "The director adapted the play for the screen with the original cast.",
        "It was the first play she had ever seen on a real stage.",
    ),
    "verb": (
        "The children like to play football in the park after school.",
        "I play the piano every evening.",
        "Can you come out and play with us?",
        "The dog loves to play with its ball in the garden.",
        "They play tennis on Saturdays.",
        "Let the kids play outside while it is sunny.",
        "He wants to play chess with his grandfather.",
        "We play cards after dinner.",
        "She learned to play the guitar when she was ten.",
        "The boys play video games all weekend.",
        "Do you want to play a game of cards?",
        "The band will play their new songs tonight.",
    ),
}

#: Korean 배 in three senses, and the contexts each sense appears in (for a small corpus).
BAE_CONTEXTS: dict[str, tuple[str, ...]] = {
    "ship": (
        "어부들이 배를 타고 바다로 나갔다",
        "항구에 큰 배가 들어왔다",
        "선장은 배를 몰고 섬으로 향했다",
        "태풍 때문에 배가 출항하지 못했다",
        "우리는 배를 타고 강을 건넜다",
        "낡은 배가 부두에 묶여 있었다",
    ),
    "pear": (
        "할머니가 배를 깎아 주셨다",
        "가을에 딴 배가 아주 달았다",
        "시장에서 사과와 배를 샀다",
        "과수원에 배가 주렁주렁 열렸다",
        "배를 갈아서 고기 양념에 넣었다",
        "제사상에 배와 감을 올렸다",
    ),
    "belly": (
        "점심을 굶어서 배가 너무 고프다",
        "상한 우유를 마시고 배가 아팠다",
        "많이 먹었더니 배가 불렀다",
        "아기가 배를 깔고 엎드려 잤다",
        "웃다가 배가 아플 지경이었다",
        "찬 음식을 먹으면 배가 아프다",
    ),
}


@dataclass
class SenseSeparation:
    n_items: int
    senses: dict[str, int]  # items per sense
    nn_agreement: float  # share whose nearest other item (cosine) has the same sense
    purity: float  # k-means (k = number of senses) clusters' share of their majority sense
    majority_share: float  # what both scores get by always answering the most common sense

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def sense_separation(vectors: np.ndarray, senses: list[str], seed: int = 0) -> SenseSeparation:
    """Leave-one-out 1-NN agreement and k-means purity of `vectors` against the known senses."""
    if len(vectors) != len(senses) or len(set(senses)) < 2:
        raise InvalidInputError(
            f"Expected one sense per vector and at least 2 senses; got {len(vectors)} vectors, "
            f"{len(senses)} senses ({len(set(senses))} distinct)."
        )
    from sklearn.cluster import KMeans

    unit = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    labels = np.asarray(senses)
    agreement = float(np.mean(labels[similarity.argmax(axis=1)] == labels))
    k = len(set(senses))
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(unit)
    majority = sum(Counter(labels[clusters == c]).most_common(1)[0][1] for c in set(clusters))
    return SenseSeparation(
        n_items=len(senses),
        senses=dict(sorted(Counter(senses).items())),
        nn_agreement=round(agreement, 4),
        purity=round(majority / len(senses), 4),
        majority_share=round(Counter(senses).most_common(1)[0][1] / len(senses), 4),
    )


def bae_corpus(n: int = 600, seed: int = 0) -> tuple[list[str], list[str]]:
    """A small Korean corpus of sentences using 배 (written for embedlab's tests): each line is
    one sense's context sentence, sometimes after a neutral opening; returns (texts, senses)."""
    openings = ("", "어제 ", "오늘 아침에 ", "그날 ", "작년 여름에 ", "그때 ")
    rng = np.random.default_rng(seed)
    names = list(BAE_CONTEXTS)
    texts, senses = [], []
    for _ in range(n):
        sense = names[rng.integers(len(names))]
        contexts = BAE_CONTEXTS[sense]
        texts.append(openings[rng.integers(len(openings))] + contexts[rng.integers(len(contexts))])
        senses.append(sense)
    return texts, senses
