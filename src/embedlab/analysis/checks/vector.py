"""Checks of a space's neighbour graph: outliers, near-duplicates (with image and text hashes
when the dataset has them) and non-IID order."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from embedlab.analysis.checks.base import Check, CheckData, register
from embedlab.analysis.copies import CopyOptions
from embedlab.analysis.distribution import find_non_iid
from embedlab.analysis.duplicates import find_near_duplicates
from embedlab.analysis.outliers import find_outliers
from embedlab.analysis.results import CheckResult


@register
class OutlierCheck(Check):
    """Local ratio, distance to the whole dataset and small weakly linked groups."""

    name = "outlier"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "k": (1, None),
        "fence": (0, None),
        "global_fence": (0, None),
        "mutual_k": (1, None),
        "shared_min": (0, None),
        "min_group": (1, None),
        "max_group_fraction": (0, 1),
        "max_inflow": (0, 1),
        "max_in_out": (0, None),
    }
    needs: ClassVar[frozenset[str]] = frozenset({"graph"})

    def run(
        self,
        data: CheckData,
        *,
        k: int | None = None,
        fence: float = 3.0,
        global_fence: float = 3.0,
        mutual_k: int | None = None,
        shared_min: int | None = None,
        min_group: int = 5,
        max_group_fraction: float = 0.05,
        max_inflow: float = 0.15,
        max_in_out: float = 1 / 3,
    ) -> CheckResult:
        assert data.graph is not None
        return find_outliers(
            data.graph,
            k=k,
            fence=fence,
            global_fence=global_fence,
            mutual_k=mutual_k,
            shared_min=shared_min,
            min_group=min_group,
            max_group_fraction=max_group_fraction,
            max_inflow=max_inflow,
            max_in_out=max_in_out,
        )


@register
class NearDuplicateCheck(Check):
    """Embedding similarity, plus registered thumbnails and perceptual hashes of images and
    MinHash of texts."""

    name = "near_duplicate"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "threshold": (-1, 1),
        "exact": (-1, 1),
        "hash_distance": (0, 64),
        "hash_rank": (1, None),
        "hash_ratio": (0, 1),
        "hash_min_side": (1, None),
        "text_threshold": (0, 1),
        "copy_ratio": (0, 1),
        "copy_min_correlation": (-1, 1),
        "copy_rank": (1, None),
    }
    needs: ClassVar[frozenset[str]] = frozenset({"graph"})
    uses: ClassVar[frozenset[str]] = frozenset({"images", "texts"})

    def run(
        self,
        data: CheckData,
        *,
        threshold: float | None = None,
        exact: float = 0.999999,
        hash_distance: int = 12,
        hash_rank: int = 3,
        hash_ratio: float = 0.5,
        hash_min_side: int = 16,
        text_threshold: float = 0.5,
        hashes: bool = True,
        copy_ratio: float = 0.2,
        copy_min_correlation: float = 0.95,
        copy_rank: int = 3,
        copy_mirrored: bool = True,
    ) -> CheckResult:
        assert data.graph is not None
        images, hashable, thumbnails = None, None, None
        if data.images is not None and data.images.perceptual_hashes is not None and hashes:
            images = data.images.perceptual_hashes
            hashable = np.minimum(data.images.widths, data.images.heights) >= hash_min_side
            thumbnails = data.images.thumbnails
            if thumbnails is not None and thumbnails.shape[1] < hash_min_side:
                thumbnails = None  # 8x8 digits: too few pixels to register
        return find_near_duplicates(
            data.graph,
            threshold=threshold,
            exact=exact,
            image_hashes=images,
            hash_distance=hash_distance,
            hash_rank=hash_rank,
            hash_ratio=hash_ratio,
            hashable=hashable,
            texts=data.texts if hashes else None,
            text_threshold=text_threshold,
            seed=data.seed,
            thumbnails=thumbnails,
            copy_options=CopyOptions(copy_ratio, copy_min_correlation, copy_rank, copy_mirrored),
        )


@register
class NonIidCheck(Check):
    """Neighbours closer in file order than chance (a permutation test)."""

    name = "non_iid"
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {
        "permutations": (1, None),
        "alpha": (0, 1),
    }
    needs: ClassVar[frozenset[str]] = frozenset({"graph"})

    def run(self, data: CheckData, *, permutations: int = 25, alpha: float = 0.05) -> CheckResult:
        assert data.graph is not None
        return find_non_iid(data.graph, permutations=permutations, alpha=alpha, seed=data.seed)
