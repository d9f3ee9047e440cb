"""Bias in word vectors: WEAT (Caliskan et al., 2017), a gender direction from definitional pairs
(the first principal component of their centred vectors), projections of occupation words on it,
and hard de-biasing (neutralise and equalise, Bolukbasi et al., 2016).

The formulas follow WEFE (Badilla et al.), so the figures can be checked against it: the effect
size divides by the population standard deviation of s(w, A, B) over X and Y. The one-sided
p-value is the share of equal-size splits of X and Y whose test statistic is at least the
observed one: when there are at most `permutations` splits, every split (the observed one
included) is counted once (exact test, as Caliskan et al. define it); otherwise `permutations`
random splits are drawn and the p-value is (b + 1) / (permutations + 1), b of them at least as
large (Phipson & Smyth, 2010: a sampled p-value is never 0).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.errors import InvalidInputError, NotFoundError, did_you_mean
from embedlab.words.vectors import WordVectors

DATA = Path(__file__).parent / "data" / "bias_words.json"
MIN_WORDS_PER_SET = 2


@lru_cache(maxsize=1)
def word_sets() -> dict[str, Any]:
    """The standard word sets shipped with embedlab (see the file's `_source`)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def weat_tests() -> list[str]:
    return sorted(word_sets()["weat"])


@dataclass
class WeatResult:
    """A WEAT test on one set of vectors: X, Y (targets) against A, B (attributes)."""

    test: str
    effect_size: float
    p_value: float
    statistic: float
    permutations: int
    exact: bool
    words: dict[str, list[str]]
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _present(vectors: WordVectors, words: list[str]) -> tuple[list[str], list[str]]:
    """(words found, words missing); a word is tried as written, then lower-cased."""
    found, missing = [], []
    for word in words:
        if word in vectors.index:
            found.append(word)
        elif word.lower() in vectors.index:
            found.append(word.lower())
        else:
            missing.append(word)
    return found, missing


def association(unit_w: np.ndarray, unit_a: np.ndarray, unit_b: np.ndarray) -> np.ndarray:
    """s(w, A, B) = mean cos(w, a) - mean cos(w, b), for each row w (unit vectors)."""
    return (unit_w @ unit_a.T).mean(axis=1) - (unit_w @ unit_b.T).mean(axis=1)


def weat(
    vectors: WordVectors,
    X: list[str],
    Y: list[str],
    A: list[str],
    B: list[str],
    *,
    test: str = "custom",
    permutations: int = 10_000,
    seed: int = 0,
) -> WeatResult:
    """Effect size and one-sided permutation p-value of 'X is more associated with A, and Y
    with B, than the other way round'. Words missing from the vocabulary are left out (listed
    in `missing`); a set left with fewer than 2 words is an error."""
    sets = {"X": X, "Y": Y, "A": A, "B": B}
    found: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for key, words in sets.items():
        found[key], lost = _present(vectors, words)
        if lost:
            missing[key] = lost
        if len(found[key]) < MIN_WORDS_PER_SET:
            raise InvalidInputError(
                f"WEAT '{test}': only {len(found[key])} of the {len(words)} words of set {key} "
                f"are in the vocabulary of {vectors.name} (missing: {', '.join(lost)}). At least "
                f"{MIN_WORDS_PER_SET} are needed; train on a larger corpus or lower min_count."
            )
    unit = {k: vectors.unit[[vectors.index[w] for w in v]] for k, v in found.items()}
    s = association(np.vstack([unit["X"], unit["Y"]]), unit["A"], unit["B"]).astype(np.float64)
    nx = len(found["X"])
    sx, sy = s[:nx], s[nx:]
    spread = s.std()
    # all associations equal (e.g. after de-biasing a toy set): no difference, effect 0
    effect = float((sx.mean() - sy.mean()) / spread) if spread > 1e-12 else 0.0
    statistic = float(sx.sum() - sy.sum())
    p_value, runs, exact = _permutation_p_value(s, nx, statistic, permutations, seed)
    return WeatResult(test, effect, p_value, statistic, runs, exact, found, missing)


def _permutation_p_value(
    s: np.ndarray, nx: int, observed: float, permutations: int, seed: int
) -> tuple[float, int, bool]:
    n = len(s)
    total = s.sum()
    splits = math.comb(n, nx)
    if splits <= permutations:
        # Every split once: statistic = sum(X_i) - sum(Y_i) = 2 sum(X_i) - total.
        sums = np.fromiter(
            (s[list(c)].sum() for c in itertools.combinations(range(n), nx)), float, splits
        )
        exact = True
    else:
        rng = np.random.default_rng(seed)
        picks = np.argsort(rng.random((permutations, n)), axis=1)[:, :nx]
        sums = s[picks].sum(axis=1)
        exact = False
    stats = 2 * sums - total
    larger = int((stats >= observed - 1e-12).sum())  # at least as large, rounding allowed
    if exact:  # the observed split is among the counted ones
        return larger / splits, splits, exact
    return (larger + 1) / (len(stats) + 1), len(stats), exact


def run_weat(vectors: WordVectors, test: str, **kwargs: Any) -> WeatResult:
    """One of the standard tests by name (`weat_tests()`)."""
    tests = word_sets()["weat"]
    if test not in tests:
        raise NotFoundError(f"Unknown WEAT test '{test}'. {did_you_mean(test, list(tests))}")
    spec = tests[test]
    _, X, Y = spec["targets"]
    _, A, B = spec["attributes"]
    return weat(vectors, X, Y, A, B, test=test, **kwargs)


# -- gender direction ------------------------------------------------------------------------
def _pairs_present(vectors: WordVectors, pairs: list[list[str]]) -> list[tuple[int, int]]:
    rows = []
    for a, b in pairs:
        if a in vectors.index and b in vectors.index:
            rows.append((vectors.index[a], vectors.index[b]))
    return rows


def bias_direction(
    vectors: WordVectors, pairs: list[list[str]] | None = None
) -> tuple[np.ndarray, float]:
    """The unit direction of the first principal component of the definitional pairs' unit
    vectors, each centred on its pair's mean (Bolukbasi et al.), oriented from the first word
    of the pairs to the second (female to male for the default pairs), and the share of
    variance it explains."""
    pairs = pairs if pairs is not None else word_sets()["definitional_pairs"]
    rows = _pairs_present(vectors, pairs)
    if len(rows) < 2:
        raise InvalidInputError(
            f"A bias direction needs at least 2 definitional pairs in the vocabulary; "
            f"{len(rows)} of {len(pairs)} are in {vectors.name}."
        )
    unit = vectors.unit
    centred = []
    for a, b in rows:
        centre = (unit[a] + unit[b]) / 2
        centred.extend([unit[a] - centre, unit[b] - centre])
    matrix = np.asarray(centred, dtype=np.float64)
    matrix -= matrix.mean(axis=0)  # PCA centring (already ~0: each pair sums to zero)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    direction = vt[0]
    orientation = sum(float((unit[b] - unit[a]) @ direction) for a, b in rows)
    if orientation < 0:
        direction = -direction
    explained = float(singular[0] ** 2 / max((singular**2).sum(), 1e-12))
    return direction.astype(np.float32), explained


def project(vectors: WordVectors, words: list[str], direction: np.ndarray) -> dict[str, float]:
    """Cosine of each word (present in the vocabulary) with the direction."""
    found, _ = _present(vectors, words)
    return {w: float(vectors.unit[vectors.index[w]] @ direction) for w in found}


# -- hard de-biasing -------------------------------------------------------------------------
def hard_debias(
    vectors: WordVectors,
    direction: np.ndarray,
    *,
    gender_specific: list[str] | None = None,
    equalize_pairs: list[list[str]] | None = None,
) -> WordVectors:
    """Neutralise every word except the gender-specific ones (unit vectors, direction removed,
    renormalised), then equalise each pair: both words become the pair's neutral mean plus
    and minus the same amount of the direction, so every neutral word is equally far from both.
    Returns new unit-length vectors; the input is left as it was."""
    data = word_sets()
    specific = set(gender_specific if gender_specific is not None else data["gender_specific"])
    pairs = equalize_pairs if equalize_pairs is not None else data["equalize_pairs"]
    g = direction.astype(np.float64) / np.linalg.norm(direction)
    unit = vectors.unit.astype(np.float64)
    keep = np.array([w in specific for w in vectors.words.tolist()], dtype=bool)
    neutral = unit - np.outer(unit @ g, g)
    norms = np.linalg.norm(neutral, axis=1, keepdims=True)
    neutral /= np.where(norms > 0, norms, 1.0)
    out = np.where(keep[:, None], unit, neutral)
    for a, b in _pairs_present(vectors, pairs):
        mean = (out[a] + out[b]) / 2
        nu = mean - (mean @ g) * g
        z = np.sqrt(max(0.0, 1.0 - float(nu @ nu)))
        if (out[a] - out[b]) @ g < 0:
            z = -z
        out[a] = nu + z * g
        out[b] = nu - z * g
    return WordVectors(
        vectors.words, out.astype(np.float32), vectors.counts, name=f"{vectors.name}, de-biased"
    )
