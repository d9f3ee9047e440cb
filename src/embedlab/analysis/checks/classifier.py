"""The CNN's own classifier as an out-of-distribution signal, for image datasets with
EfficientNet-Lite0 features (see analysis/classifier_ood.py)."""

from __future__ import annotations

from typing import ClassVar

from embedlab.analysis.checks.base import Check, CheckData, register
from embedlab.analysis.classifier_ood import find_classifier_ood
from embedlab.analysis.results import CheckResult


@register
class ClassifierOodCheck(Check):
    """Maximum softmax (on its logit) or energy atypical for this dataset: beyond the robust
    fence of its distribution within the dataset, on the side where the classifier is unsure."""

    name = "cnn_ood"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {"fence": (0, None)}
    choices: ClassVar[dict[str, tuple[str, ...]]] = {"score": ("energy", "msp")}
    needs: ClassVar[frozenset[str]] = frozenset({"images", "classifier"})
    group = "image"

    def run(
        self,
        data: CheckData,
        *,
        score: str = "msp",
        fence: float = 3.0,
        threshold: float | None = None,
    ) -> CheckResult:
        assert data.classifier is not None
        return find_classifier_ood(data.classifier, score=score, fence=fence, threshold=threshold)
