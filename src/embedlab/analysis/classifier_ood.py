"""The CNN's own classifier as an out-of-distribution signal: the energy score
(-logsumexp of the ImageNet logits; Liu et al., 2020) and the maximum softmax probability
(Hendrycks & Gimpel, 2017) of each image.

A whole dataset is often far from ImageNet (Fashion-MNIST, X-rays, product shots), so an
absolute threshold would call every item foreign. An item is flagged when its score is atypical
for THIS dataset: beyond the robust fence of the score's distribution within the dataset
(median -/+ fence x 1.4826 x MAD), on the side where the classifier is less sure of it than of
the rest: high energy, low maximum softmax. The maximum softmax is a probability, so the fence
is set on its logit (on the raw probability, squeezed between 1/classes and 1, the fence lands
below 0 and flags nothing); the energy has no such bound below but one above (-log(classes) -
the mean logit, the uniform prediction), where the unsure items pile up, which makes its fence
flag little: it ranks foreign items better than it flags them (benchmarks/RESULTS.md).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from embedlab.analysis.results import CheckResult, rank_scores, robust_fence
from embedlab.errors import InvalidInputError

Score = Literal["energy", "msp"]
SCORES: dict[str, Literal["low", "high"]] = {"energy": "high", "msp": "low"}  # the bad side
BLOCK_ROWS = 8192  # logits held at once: 8192 x 1000 float32 = 33 MB


def classifier_scores(logits: np.ndarray) -> dict[str, np.ndarray]:
    """Per image, the energy (-logsumexp of the logits: higher = less familiar to the
    classifier) and the maximum softmax probability (lower = less sure), float64."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] < 2 or not np.isfinite(logits).all():
        raise InvalidInputError(
            f"Classifier scores need a finite (n, classes >= 2) array of logits; got shape "
            f"{logits.shape}{'' if np.isfinite(logits).all() else ' with NaN or infinite values'}."
        )
    top = logits.max(axis=1)
    total = np.exp(logits - top[:, None]).sum(axis=1)
    return {"energy": -(top + np.log(total)), "msp": 1.0 / total}


def scores_from_features(features: np.ndarray, block: int = BLOCK_ROWS) -> dict[str, np.ndarray]:
    """Classifier scores of stored EfficientNet-Lite0 features (the space's vectors), a block
    of rows at a time: the logits are a linear map of the features, no image is decoded."""
    # imported here: `embedlab.methods` imports every method (pandas among them), which an
    # audit whose scores are stored does not need
    from embedlab.methods.cnn import logits_from_features

    parts = [
        classifier_scores(logits_from_features(features[start : start + block]))
        for start in range(0, len(features), block)
    ]
    if not parts:
        return {name: np.empty(0) for name in SCORES}
    return {name: np.concatenate([p[name] for p in parts]) for name in SCORES}


def find_classifier_ood(
    scores: dict[str, np.ndarray],
    *,
    score: str = "msp",
    fence: float = 3.0,
    threshold: float | None = None,
) -> CheckResult:
    """Items whose classifier `score` ('energy' or 'msp') lies beyond the dataset's robust
    fence on its bad side (or beyond an absolute `threshold`); the signal is `cnn-SCORE`."""
    if score not in SCORES:
        raise InvalidInputError(
            f"The 'score' option of the 'cnn_ood' check must be one of {sorted(SCORES)}. "
            f"Got {score!r} instead."
        )
    if not fence > 0:
        raise InvalidInputError(
            f"The 'fence' option of the 'cnn_ood' check must be a number > 0. Got {fence!r}."
        )
    values = np.asarray(scores[score], dtype=np.float64)
    bad = SCORES[score]
    scaled = _fence_scale(score, values)
    if threshold is None:
        limit = robust_fence(scaled, bad, fence)
    else:
        limit = float(_fence_scale(score, np.array([threshold]))[0])
    flags = scaled < limit if bad == "low" else scaled > limit
    return CheckResult(
        name="cnn_ood",
        scores=rank_scores(scaled, bad),
        flags=flags,
        summary={
            "flagged": int(flags.sum()),
            "score": score,
            "threshold": round(float(_from_fence_scale(score, limit)), 6),
            "median": round(float(np.median(values)), 6),
        },
        params={"score": score, "fence": fence, "threshold": threshold},
        values=values,
        signals=np.where(flags, f"cnn-{score}", "").astype(object),
    )


PROBABILITY_CLIP = 1e-12


def _fence_scale(score: str, values: np.ndarray) -> np.ndarray:
    """The scale the fence is set on: the logit of a probability, energy as it is."""
    if score != "msp":
        return values
    clipped = np.clip(values, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return np.log(clipped) - np.log1p(-clipped)


def _from_fence_scale(score: str, value: float) -> float:
    return float(1 / (1 + np.exp(-value))) if score == "msp" else value
