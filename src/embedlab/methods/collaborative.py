"""Collaborative filtering: user and item vectors from a user x item interaction matrix.

`als` (implicit's alternating least squares for implicit feedback, Hu, Koren & Volinsky 2008),
`bpr` (implicit's Bayesian personalised ranking, Rendle et al. 2009) and `svd` (a truncated SVD
of the matrix: the baseline). Each fit learns both sides: `transform` returns item vectors (the
items are the dataset), `user_vectors_` the users'; a user's score for an item is the dot
product of the two, so the top items of a user are their recommendations.

Their input is an `InteractionInput`: a CSR matrix of users x items. `values="binary"` (the
default) counts every seen item as one positive, the usual setup for top-k recommendation;
`values="raw"` passes the stored ratings or counts on as confidences.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

import numpy as np

from embedlab.errors import InvalidInputError
from embedlab.methods.base import Embedder, as_float32, register

Values = Literal["binary", "raw"]


@dataclass(frozen=True)
class InteractionInput:
    """CSR arrays of a users x items matrix (`indptr` int64, `indices` int32, `data` float32);
    `rows` are the items `transform` returns (None: all, in order)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_items: int
    rows: np.ndarray | None = None

    @classmethod
    def from_pairs(
        cls, user_rows: Any, item_rows: Any, values: Any = None, *, n_users: int, n_items: int
    ) -> InteractionInput:
        """From interaction rows (duplicate pairs are summed)."""
        from scipy import sparse

        users = np.asarray(user_rows, dtype=np.int64)
        items = np.asarray(item_rows, dtype=np.int64)
        data = np.ones(len(users)) if values is None else np.asarray(values, dtype=np.float64)
        if len(users) and (users.min() < 0 or users.max() >= n_users):
            raise InvalidInputError(f"User rows must lie in [0, {n_users - 1}].")
        if len(items) and (items.min() < 0 or items.max() >= n_items):
            raise InvalidInputError(f"Item rows must lie in [0, {n_items - 1}].")
        matrix = sparse.csr_matrix((data, (users, items)), shape=(n_users, n_items))
        matrix.sum_duplicates()
        matrix.sort_indices()
        return cls(
            matrix.indptr.astype(np.int64),
            matrix.indices.astype(np.int32),
            matrix.data.astype(np.float32),
            n_items,
        )

    @property
    def n_users(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_interactions(self) -> int:
        return len(self.indices)

    def __len__(self) -> int:
        return self.n_items if self.rows is None else len(self.rows)

    def __getitem__(self, rows: Any) -> InteractionInput:
        return replace(self, rows=self.selected_rows()[np.asarray(rows, dtype=np.int64)])

    def selected_rows(self) -> np.ndarray:
        return np.arange(self.n_items) if self.rows is None else self.rows

    def to_scipy(self, values: Values = "raw") -> Any:
        """The users x items CSR matrix (float32), with every value 1 for 'binary'."""
        from scipy import sparse

        data = np.ones_like(self.data) if values == "binary" else self.data
        return sparse.csr_matrix(
            (data, self.indices, self.indptr), shape=(self.n_users, self.n_items)
        )


def as_interaction_input(X: Any, method: str) -> InteractionInput:
    """An InteractionInput, or one made from a users x items (sparse or dense) matrix."""
    if isinstance(X, InteractionInput):
        if X.n_users == 0 or X.n_items == 0 or X.n_interactions == 0:
            raise InvalidInputError(f"{method} got no interactions to learn from.")
        return X
    if hasattr(X, "shape") and len(getattr(X, "shape", ())) == 2:
        from scipy import sparse

        coo = sparse.coo_matrix(X)
        keep = coo.data != 0
        return as_interaction_input(
            InteractionInput.from_pairs(
                coo.row[keep],
                coo.col[keep],
                coo.data[keep],
                n_users=coo.shape[0],
                n_items=coo.shape[1],
            ),
            method,
        )
    raise InvalidInputError(
        f"{method} learns from user-item interactions: expected an InteractionInput or a "
        f"users x items matrix; got {type(X).__name__}."
    )


def resolve_threads(threads: int) -> int:
    """0 means every core this process may use."""
    if threads:
        return threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class CollaborativeEmbedder(Embedder):
    """Shared parts: parameter checks, item rows out of `transform`, state of both sides."""

    modality = "interactions"  # type: ignore[assignment]
    _ints: ClassVar[tuple[tuple[str, int], ...]] = (("factors", 1), ("seed", 0))
    _floats: ClassVar[tuple[str, ...]] = ()

    item_vectors_: np.ndarray
    user_vectors_: np.ndarray
    factors: int
    seed: int
    values: Values

    def _validate_params(self) -> None:
        for name, minimum in self._ints:
            value = getattr(self, name)
            ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
            self._check_param(name, ok and value >= minimum, f"an int >= {minimum}")
        for name in self._floats:
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            self._check_param(name, ok and np.isfinite(value) and value >= 0, "a float >= 0")
        self._check_param("values", self.values in ("binary", "raw"), "'binary' or 'raw'")

    def _set_vectors(self, items: np.ndarray, users: np.ndarray, data: InteractionInput) -> None:
        self.item_vectors_ = as_float32(items)
        self.user_vectors_ = as_float32(users)
        self.dimension_ = int(self.item_vectors_.shape[1])
        self.report_ = {
            "users": data.n_users,
            "items": data.n_items,
            "interactions": data.n_interactions,
            "dim": self.dimension_,
        }

    def transform(self, X: Any) -> np.ndarray:
        """The vectors of the selected items."""
        self._check_fitted()
        data = as_interaction_input(X, type(self).__name__)
        if data.n_items != self.item_vectors_.shape[0]:
            raise InvalidInputError(
                f"{type(self).__name__} was fitted on {self.item_vectors_.shape[0]} items; got "
                f"interactions over {data.n_items}."
            )
        return np.ascontiguousarray(self.item_vectors_[data.selected_rows()])

    def get_state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {"item_vectors": self.item_vectors_, "user_vectors": self.user_vectors_}

    def set_state(self, state: dict[str, np.ndarray]) -> CollaborativeEmbedder:
        self.item_vectors_ = as_float32(state["item_vectors"])
        self.user_vectors_ = as_float32(state["user_vectors"])
        self.dimension_ = int(self.item_vectors_.shape[1])
        self.report_ = {"items": len(self.item_vectors_), "users": len(self.user_vectors_)}
        return self


class ImplicitEmbedder(CollaborativeEmbedder):
    """A model of the `implicit` library, made and fitted with BLAS held to one thread
    (implicit runs its own threads and warns, rightly, that a threaded BLAS on top is slow)."""

    threads: int
    iterations: int
    regularization: float

    def _model(self) -> tuple[Callable[..., Any], dict[str, Any]]:
        """The model class and its parameters beyond the shared ones."""
        raise NotImplementedError

    def fit(self, X: Any) -> ImplicitEmbedder:
        self._validate_params()
        data = as_interaction_input(X, type(self).__name__)
        from threadpoolctl import threadpool_limits

        make, params = self._model()
        with threadpool_limits(1, "blas"):
            model = make(
                factors=self.factors,
                regularization=float(self.regularization),
                iterations=self.iterations,
                num_threads=resolve_threads(self.threads),
                random_state=self.seed,
                **params,
            )
            model.fit(data.to_scipy(self.values), show_progress=False)
        self._set_vectors(np.asarray(model.item_factors), np.asarray(model.user_factors), data)
        return self


@register
class ALS(ImplicitEmbedder):
    """implicit's AlternatingLeastSquares (conjugate gradient, CPU), seeded. threads: 0 = all
    cores; each user's solve is independent, so the result does not depend on the count."""

    name = "als"
    summary = "Implicit-feedback ALS (implicit library, CPU): item + user vectors"
    _ints = (("factors", 1), ("iterations", 1), ("threads", 0), ("seed", 0))
    _floats = ("regularization", "alpha")

    def __init__(
        self,
        *,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 10.0,
        iterations: int = 15,
        values: Values = "binary",
        threads: int = 0,
        seed: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.values = values
        self.threads = threads
        self.seed = seed

    def _model(self) -> tuple[Callable[..., Any], dict[str, Any]]:
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares, {"alpha": float(self.alpha)}


@register
class BPR(ImplicitEmbedder):
    """implicit's BayesianPersonalizedRanking (SGD on sampled triples, CPU), seeded. Vectors
    have factors + 1 dimensions: implicit's item bias (users carry a constant 1 there).
    threads defaults to 1: with more, implicit's lock-free updates race and a seed no longer
    fixes the result."""

    name = "bpr"
    summary = "Bayesian personalised ranking (implicit library, CPU): item + user vectors"
    _ints = (("factors", 1), ("iterations", 1), ("threads", 0), ("seed", 0))
    _floats = ("learning_rate", "regularization")

    def __init__(
        self,
        *,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        values: Values = "binary",
        threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.values = values
        self.threads = threads
        self.seed = seed

    def _model(self) -> tuple[Callable[..., Any], dict[str, Any]]:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking, {"learning_rate": float(self.learning_rate)}


@register
class InteractionSVD(CollaborativeEmbedder):
    """Truncated SVD of the users x items matrix (ARPACK, seeded start; dense below 4 extra
    dimensions): U sqrt(S) for users, V sqrt(S) for items, so their dot product is the rank-k
    reconstruction. Signs are fixed (largest item entry positive) so a fit is reproducible."""

    name = "svd"
    summary = "Truncated SVD of the interaction matrix: the recommendation baseline"

    def __init__(self, *, factors: int = 32, values: Values = "binary", seed: int = 0) -> None:
        self.factors = factors
        self.values = values
        self.seed = seed

    def fit(self, X: Any) -> InteractionSVD:
        """The top singular triplets; at most min(users, items) - 1 factors."""
        self._validate_params()
        data = as_interaction_input(X, type(self).__name__)
        matrix = data.to_scipy(self.values).astype(np.float64)
        k = max(1, min(self.factors, min(matrix.shape) - 1))
        if k < min(matrix.shape) - 4:
            from scipy.sparse.linalg import svds

            start = np.random.default_rng(self.seed).uniform(-1, 1, min(matrix.shape))
            u, s, vt = svds(matrix, k=k, v0=start)
        else:
            u, s, vt = np.linalg.svd(matrix.toarray(), full_matrices=False)
        order = np.argsort(-s)[:k]
        u, s, v = u[:, order], s[order], vt[order].T
        signs = np.sign(v[np.abs(v).argmax(axis=0), np.arange(k)])
        signs[signs == 0] = 1
        root = np.sqrt(s)
        self._set_vectors(v * signs * root, u * signs * root, data)
        return self
