"""Near-duplicates that survive edits, on planted sets built from real images and texts:
copies shifted by a pixel and 4% brighter, cropped, or re-encoded as JPEG; texts with a typo,
a word dropped or added, other case and punctuation. Recall and precision are over pairs."""

from __future__ import annotations

import io
from itertools import combinations

import numpy as np
import pytest
from PIL import Image

from embedlab.analysis.duplicates import (
    find_near_duplicates,
    hamming_pairs,
    minhash_pairs,
    normalise_text,
    perceptual_hashes,
)
from embedlab.analysis.neighbors import build_neighbor_graph

PATCH = 64


def photo_patches(stride: int = 48) -> list[Image.Image]:
    """Textured 64x64 patches of scikit-learn's two sample photos (overlapping by a quarter,
    so neighbours look alike without being copies)."""
    from sklearn.datasets import load_sample_images

    patches = []
    for photo in load_sample_images().images:
        for y in range(0, photo.shape[0] - PATCH + 1, stride):
            for x in range(0, photo.shape[1] - PATCH + 1, stride):
                patch = photo[y : y + PATCH, x : x + PATCH]
                if patch.std() > 25:  # flat sky has no picture to hash
                    patches.append(Image.fromarray(patch))
    return patches


def shifted_brighter(image: Image.Image) -> Image.Image:
    pixels = np.roll(np.asarray(image, dtype=np.float64), 1, axis=1)
    pixels[:, 0] = pixels[:, 1]
    return Image.fromarray(np.clip(pixels * 1.04, 0, 255).astype(np.uint8))


def cropped(image: Image.Image) -> Image.Image:
    width, height = image.size
    return image.crop((2, 2, width - 2, height - 2)).resize((width, height))


def reencoded(image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def pair_scores(groups: list[list[int]], planted: set[tuple[int, int]]) -> tuple[float, float]:
    """(recall, precision) of the planted pairs among all pairs inside the found groups."""
    found = {tuple(sorted(p)) for g in groups for p in combinations(g, 2)}
    hits = len(found & planted)
    return hits / len(planted), hits / max(len(found), 1)


@pytest.fixture(scope="module")
def planted_images() -> dict:
    originals = photo_patches()
    edits = (shifted_brighter, cropped, reencoded)
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(originals), size=60, replace=False)
    images = list(originals)
    planted = set()
    for number, row in enumerate(chosen):
        planted.add((int(row), len(images)))
        images.append(edits[number % 3](originals[row]))
    pixels = np.stack([np.asarray(i.convert("L"), dtype=np.float32).ravel() for i in images])
    pixels -= pixels.mean(axis=0)
    return {"images": images, "vectors": pixels, "planted": planted}


def test_edited_image_copies_are_found_by_their_perceptual_hash(planted_images: dict) -> None:
    graph = build_neighbor_graph(planted_images["vectors"], k=10)
    hashes = perceptual_hashes(planted_images["images"])
    result = find_near_duplicates(graph, image_hashes=hashes)
    recall, precision = pair_scores(result.groups, planted_images["planted"])
    print(f"images: {len(hashes)} items, pair recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.9 and precision >= 0.9, (recall, precision)
    embedding_only = find_near_duplicates(graph)
    recall_alone, _ = pair_scores(embedding_only.groups, planted_images["planted"])
    assert recall_alone < recall  # the hash finds what the embedding threshold misses
    copies = [b for _, b in planted_images["planted"]]
    flagged = result.signals[copies][result.flags[copies]]
    assert all("phash" in s for s in flagged)


def test_hamming_pairs_beyond_the_exact_limit_use_bands_and_candidates(
    planted_images: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = perceptual_hashes(planted_images["images"])
    every, _ = hamming_pairs(hashes, 12)
    monkeypatch.setattr("embedlab.analysis.duplicates.EXACT_HAMMING_MAX_ITEMS", 10)
    banded, distances = hamming_pairs(hashes, 12, candidates=np.asarray(list(every)))
    assert {tuple(p) for p in banded} == {tuple(p) for p in every}
    assert (distances <= 12).all()


def review_texts(n: int = 600) -> list[str]:
    from embedlab.io.sandbox import get_sandbox

    sandbox = get_sandbox("rotten-tomatoes")
    if not sandbox.is_available():
        pytest.skip("the Rotten Tomatoes sandbox data set is not available offline")
    texts = [t for t in sandbox.load()["text"].tolist() if isinstance(t, str) and len(t) >= 60]
    return list(dict.fromkeys(texts))[:n]


def lightly_edited(text: str, how: int, rng: np.random.Generator) -> str:
    words = text.split()
    at = int(rng.integers(1, len(words) - 1))
    if how == 0:  # a typo: two letters swapped
        word = words[at]
        if len(word) > 3:
            words[at] = word[0] + word[2] + word[1] + word[3:]
    elif how == 1:
        del words[at]
    elif how == 2:
        words.insert(at, "really")
    else:
        return text.upper().replace(",", "").replace(".", "!")
    return " ".join(words)


def test_lightly_edited_texts_are_found_by_minhash() -> None:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = review_texts()
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(texts), size=60, replace=False)
    planted = set()
    for number, row in enumerate(chosen):
        planted.add((int(row), len(texts)))
        texts.append(lightly_edited(texts[row], number % 4, rng))
    tfidf = TfidfVectorizer(min_df=2).fit_transform(texts)
    vectors = TruncatedSVD(64, random_state=0).fit_transform(tfidf).astype(np.float32)
    graph = build_neighbor_graph(vectors, k=10)
    result = find_near_duplicates(graph, texts=texts)
    recall, precision = pair_scores(result.groups, planted)
    print(f"texts: {len(texts)} items, pair recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.9 and precision >= 0.9, (recall, precision)
    assert result.summary["by_signal"]["minhash"] >= 0.9 * len(planted)


def test_minhash_ignores_case_punctuation_and_empty_texts() -> None:
    assert normalise_text("  Café, au LAIT!  ") == "cafe au lait"
    pairs, jaccard = minhash_pairs(["", "", "The same text, twice.", "the same text twice"])
    assert pairs.tolist() == [[2, 3]] and jaccard[0] == 1.0
