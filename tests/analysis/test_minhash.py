"""The vectorised MinHash: shingle hashes, signatures that estimate Jaccard similarity, and
LSH candidates that keep similar pairs and drop dissimilar ones."""

from __future__ import annotations

import numpy as np

from embedlab.analysis.minhash import bands_for, candidate_pairs, shingle_hashes, signatures


def random_pair(rng: np.random.Generator, jaccard: float, size: int = 300) -> tuple[str, str]:
    """Two texts of distinct 5-letter words sharing a given share of their words."""
    words = ["".join(rng.choice(list("abcdefghij"), 5)) for _ in range(3 * size)]
    words = list(dict.fromkeys(words))
    shared = int(round(2 * jaccard * size / (1 + jaccard)))
    common, rest = words[:shared], words[shared:]
    only = size - shared
    return " ".join(common + rest[:only]), " ".join(common + rest[only : 2 * only])


def test_shingles_hash_alike_wherever_they_are_and_short_texts_are_one_shingle() -> None:
    hashes, counts = shingle_hashes(["abcdefg", "xabcdey", "ab", "", "abcde"], 5)
    assert counts.tolist() == [3, 3, 1, 0, 1]
    first, second = hashes[:3], hashes[3:6]
    assert first[0] == second[1]  # 'abcde' in both
    assert first[0] == hashes[7]  # the 5-letter text is its one shingle
    assert hashes[6] not in set(hashes[:6].tolist())  # 'ab' is not a padded 5-gram


def test_signatures_estimate_the_jaccard_similarity() -> None:
    rng = np.random.default_rng(0)
    for target in (0.2, 0.5, 0.8):
        a, b = random_pair(rng, target)
        hashes, counts = shingle_hashes([a, b], 5)
        signature = signatures(hashes, counts, 256, seed=1)
        estimate = float((signature[0] == signature[1]).mean())
        exact_a = {a[i : i + 5] for i in range(len(a) - 4)}
        exact_b = {b[i : i + 5] for i in range(len(b) - 4)}
        exact = len(exact_a & exact_b) / len(exact_a | exact_b)
        assert abs(estimate - exact) < 0.1, (target, estimate, exact)


def test_candidates_keep_similar_pairs_and_drop_dissimilar_ones() -> None:
    rng = np.random.default_rng(2)
    texts, similar = [], []
    for number in range(40):
        a, b = random_pair(rng, 0.8 if number % 2 else 0.1, size=80)
        if number % 2:
            similar.append((len(texts), len(texts) + 1))
        texts += [a, b]
    hashes, counts = shingle_hashes(texts, 5)
    found = {tuple(p) for p in candidate_pairs(signatures(hashes, counts, 128, 0), 0.5).tolist()}
    assert set(similar) <= found
    assert len(found - set(similar)) <= 2


def test_bands_put_the_s_curve_near_the_threshold() -> None:
    for threshold in (0.3, 0.5, 0.8):
        bands, rows = bands_for(threshold, 128)
        assert bands * rows <= 128
        assert abs((1 / bands) ** (1 / rows) - threshold) < 0.1


def test_texts_hashed_in_blocks_pair_as_when_hashed_at_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from embedlab.analysis import duplicates

    texts = ["The same text, twice.", "xxx", "the same text twice", "another one", ""] * 3
    whole = duplicates.minhash_pairs(texts)
    monkeypatch.setattr(duplicates, "MINHASH_BLOCK", 2)
    blocks = duplicates.minhash_pairs(texts)
    assert whole[0].tolist() == blocks[0].tolist() and len(whole[0]) == 21
