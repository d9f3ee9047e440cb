"""The estimator contract every embedding method follows, and the registry of methods by name.

Contract (scikit-learn's): hyperparameters are keyword-only `__init__` arguments stored unchanged;
`fit(X)` validates them and returns self; `transform(X)` returns a C-contiguous float32 array of
shape (n, dimension_); learned state lives in attributes ending in `_`; `get_state`/`set_state`
move that state to and from plain numpy arrays so a workspace can store it without pickle.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar, get_type_hints

import numpy as np

from embedlab.errors import InvalidInputError, NotFittedError, NotFoundError, did_you_mean

Modality = Literal["text", "numeric", "categorical", "records", "image", "graph", "interactions"]


class Embedder:
    """Base class of all embedding methods."""

    name: ClassVar[str] = ""
    modality: ClassVar[Modality] = "text"
    #: Pretrained methods carry their weights; `fit` only loads them (and may look at a sample).
    pretrained: ClassVar[bool] = False
    #: How many items `fit` needs to see: None = all of them, 0 = none, N = the first N.
    fit_sample: ClassVar[int | None] = None
    #: One line for listings (`embedlab ls`, errors).
    summary: ClassVar[str] = ""
    #: Keys of `report_` that `transform` counts per call (summed over batches by the pipeline);
    #: every other key describes the fit and is set once.
    counted_keys: ClassVar[tuple[str, ...]] = ()
    #: Whether `dims=N` may wrap a text or image method in a PCA projection of its output
    #: (methods/projected.py); off where the size is trained in (word methods).
    dims_projection: ClassVar[bool] = True

    dimension_: int
    report_: dict[str, Any]

    # -- parameters ----------------------------------------------------------------------------
    @classmethod
    def param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names()}

    @classmethod
    def default_params(cls) -> dict[str, Any]:
        """The keyword parameters that have a default, with it: what a space stored before a
        parameter was added was computed with."""
        signature = inspect.signature(cls.__init__)
        return {
            p.name: p.default
            for p in signature.parameters.values()
            if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        }

    @classmethod
    def from_params(cls, raw: dict[str, Any]) -> Embedder:
        """Build from KEY=VALUE strings (the CLI) or typed values, converting by annotation.
        A wrapper parameter (`register_wrapper`, e.g. `dims`) on a method without a parameter
        of that name wraps the built method: every face and every new method get it this way."""
        hints = get_type_hints(cls.__init__)
        valid = cls.param_names()
        for key, wrap in _WRAPPERS.items():
            if key in raw and key not in valid:
                rest = {k: v for k, v in raw.items() if k != key}
                return wrap(cls.from_params(rest), raw[key])
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in valid:
                raise InvalidInputError(
                    f"{cls.__name__} ('{cls.name}') has no parameter '{key}'. "
                    + did_you_mean(key, valid + _wrappers_for(cls, valid))
                )
            params[key] = _convert(cls, key, value, hints.get(key, str))
        return cls(**params)

    def _check_param(self, name: str, ok: bool, expected: str) -> None:
        """Raise scikit-learn's wording when a parameter value is not allowed."""
        if not ok:
            raise InvalidInputError(
                f"The '{name}' parameter of {type(self).__name__} must be {expected}. "
                f"Got {getattr(self, name)!r} instead."
            )

    def _validate_params(self) -> None:
        """Check every hyperparameter; called at the start of `fit`."""

    def check_params(self) -> None:
        """Refuse a bad hyperparameter now, before any other work or check (what `fit` checks
        first): a caller with slower or more confusing checks of its own calls this first."""
        self._validate_params()

    # -- the contract --------------------------------------------------------------------------
    def fit(self, X: Any) -> Embedder:
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def _check_fitted(self) -> None:
        if not hasattr(self, "dimension_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call 'fit' with appropriate "
                "data before using 'transform'."
            )

    def get_state(self) -> dict[str, np.ndarray]:
        """Learned state as numpy arrays (what a pretrained method chose at fit, if anything)."""
        return {}

    def set_state(self, state: dict[str, np.ndarray]) -> Embedder:
        """Restore what `get_state` returned; the method is then fitted."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _convert(cls: type, key: str, value: Any, annotation: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    kinds = getattr(annotation, "__name__", str(annotation))
    try:
        if annotation is bool or kinds == "bool":
            if text.lower() in {"1", "true", "yes", "on"}:
                return True
            if text.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(text)
        if annotation is int or kinds == "int":
            return int(text)
        if annotation is float or kinds == "float":
            return float(text)
        if "None" in kinds and text.lower() == "none":
            return None
        if "int" in kinds and "float" not in kinds and text.lstrip("-").isdigit():
            return int(text)
        if "float" in kinds:
            return float(text)
    except ValueError:
        raise InvalidInputError(
            f"The '{key}' parameter of {cls.__name__} must be of type {kinds}. "
            f"Got {value!r} instead."
        ) from None
    return text


# -- registry --------------------------------------------------------------------------------
_REGISTRY: dict[str, type[Embedder]] = {}
E = TypeVar("E", bound=type[Embedder])
#: parameters every method takes without declaring them: name -> wrap(built method, value)
_WRAPPERS: dict[str, Callable[[Embedder, Any], Embedder]] = {}
_WRAPPER_APPLIES: dict[str, Callable[[type[Embedder]], bool]] = {}


def register_wrapper(
    param: str,
    wrap: Callable[[Embedder, Any], Embedder],
    applies: Callable[[type[Embedder]], bool] = lambda cls: True,
) -> None:
    """Let `from_params` accept `param` on any method without a parameter of that name, by
    wrapping the built method (`methods.projected` registers `dims` this way); `applies` says
    which methods the wrapper takes, so a list of valid parameters names it only there."""
    _WRAPPERS[param] = wrap
    _WRAPPER_APPLIES[param] = applies


def _wrappers_for(cls: type[Embedder], valid: list[str]) -> list[str]:
    """The wrapper parameters `cls` takes beyond its own (listed once, e.g. `dims`)."""
    return [k for k in _WRAPPERS if k not in valid and _WRAPPER_APPLIES[k](cls)]


def register(cls: E) -> E:
    """Class decorator adding a method to the registry under its `name`."""
    if not cls.name:
        raise TypeError(f"{cls.__name__} must set a 'name' to be registered")
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Embedder]:
    """The method class registered as `name`; a typo gets the list of valid names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NotFoundError(
            f"Unknown method '{name}'. {did_you_mean(name, list(_REGISTRY))}"
        ) from None


def available() -> dict[str, type[Embedder]]:
    """All registered methods by name."""
    return dict(sorted(_REGISTRY.items()))


def check_finite_matrix(
    X: Any, what: str, describe_row: Callable[[int], str] | None = None
) -> np.ndarray:
    """A 2-D float32 array with no NaN or infinity; the error names the first bad row."""
    try:
        array = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{what} must be numbers; could not convert: {error}.") from None
    if array.ndim != 2:
        raise InvalidInputError(
            f"{what} must be a 2-D array (items x features). Got shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise InvalidInputError(f"{what} is empty: there are no items.")
    bad = ~np.isfinite(array)
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        where = describe_row(row) if describe_row else f"row {row}"
        raise InvalidInputError(
            f"{what} has {int(bad.any(axis=1).sum())} row(s) with NaN or infinite values, the "
            f"first at {where}, column {col} (value {array[row, col]}). Expected finite numbers: "
            "fill or drop the missing values first."
        )
    return np.ascontiguousarray(array)


def check_texts(X: Any) -> list[str]:
    """A list of strings; the error names the first item that is not one."""
    if isinstance(X, str):
        raise InvalidInputError("Expected a list of texts, got a single string: wrap it in a list.")
    texts = list(X)
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidInputError(
                f"Text at row {row} is {type(text).__name__} ({text!r}); expected a string."
            )
    return texts


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def as_float32(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32)
