"""Constructed corpora where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

GROUPS = {
    "pets": (["cat", "dog"], ["feed", "pet", "walk", "furry", "vet", "leash"]),
    "vehicles": (["car", "truck"], ["drive", "park", "engine", "fuel", "road", "garage"]),
    "fruit": (["apple", "pear"], ["eat", "peel", "ripe", "juicy", "orchard", "slice"]),
}


def shared_context_corpus(n: int = 1500, seed: int = 0) -> list[str]:
    """Sentences in which the two words of a group always appear among the same context words
    (and never with another group's): each pair should end up nearest to each other."""
    return mixed_context_corpus(n, seed, mixed=0.0)


def mixed_context_corpus(n: int = 3000, seed: int = 0, mixed: float = 0.3) -> list[str]:
    """As above, but a share `mixed` of sentences draw context words from every group. GloVe
    fits only the co-occurrences it sees (nothing pushes 'cat' from 'car' when they never
    meet), so it needs some cross-group counts to tell the groups apart; the reference C
    GloVe mixes the groups up on the pure corpus just the same."""
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    every = [c for _, context in GROUPS.values() for c in context]
    texts = []
    for _ in range(n):
        words, context = GROUPS[names[rng.integers(len(names))]]
        pool = every if rng.random() < mixed else context
        left, right = rng.choice(pool, size=2, replace=False)
        texts.append(f"{left} the {words[rng.integers(2)]} {right}.")
    return texts


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return shared_context_corpus()
