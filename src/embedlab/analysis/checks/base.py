"""The check registry (as cleanlab's issue managers): a Check declares the inputs it needs
(graph, labels, images, texts, vectors, the image classifier's scores) and those it uses when
present, and returns the one result shape. Its options are the keyword arguments of its `run`,
so `--param check.option=value` is checked and converted against the signature itself, and the
values used are recorded."""

from __future__ import annotations

import inspect
import math
import types
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from embedlab.analysis.neighbors import NeighborGraph
from embedlab.analysis.results import CheckResult
from embedlab.errors import InvalidInputError

Need = Literal["graph", "labels", "images", "texts", "vectors", "classifier"]


@dataclass
class ImageData:
    """What image checks read, measured once per dataset: luminance and sharpness statistics,
    sizes, exact content hashes, 64-bit perceptual hashes and (n, side, side) uint8 grey
    thumbnails (None: not computed)."""

    statistics: dict[str, np.ndarray]
    widths: np.ndarray
    heights: np.ndarray
    content_hashes: list[str]
    perceptual_hashes: np.ndarray | None = None
    thumbnails: np.ndarray | None = None


@dataclass
class CheckData:
    """Everything a check may read; a field left None is not available for this dataset."""

    ids: list[str]
    vectors: np.ndarray | None = None
    graph: NeighborGraph | None = None
    labels: list[Any] | None = None
    texts: list[str] | None = None
    images: ImageData | None = None
    #: the image classifier's per-item scores ('energy', 'msp'), when the dataset has a CNN space
    classifier: dict[str, np.ndarray] | None = None
    seed: int = 0

    def available(self) -> set[str]:
        """The inputs present, by the names checks declare in `needs`."""
        return inputs_present(
            graph=self.graph is not None,
            vectors=self.vectors is not None,
            labels=self.labels is not None,
            images=self.images is not None,
            texts=self.texts is not None,
            classifier=self.classifier is not None,
        )


def inputs_present(**present: bool) -> set[str]:
    """The names (as checks declare them in `needs`) of the inputs marked present: one rule for
    the data built (CheckData.available) and for the plan made before building it."""
    unknown = set(present) - INPUTS
    if unknown:
        raise ValueError(f"Unknown check inputs {sorted(unknown)}; known: {sorted(INPUTS)}")
    return {name for name, here in present.items() if here}


#: every input a check can declare in `needs` or `uses`
INPUTS = frozenset({"graph", "vectors", "labels", "images", "texts", "classifier"})


class Check(ABC):
    """One quality check. Subclasses set `name`, `needs` (inputs without which the check
    cannot run) and optionally `uses` (inputs it reads when present), and implement `run`,
    whose keyword-only arguments are its options, with their defaults."""

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]] = frozenset()
    uses: ClassVar[frozenset[str]] = frozenset()
    group: ClassVar[str] = "vector"  # which part of the audit: vector, label, image or text
    #: the closed range [low, high] of numeric options (None: unbounded on that side)
    bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {}
    #: the values a text option takes
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}

    @abstractmethod
    def run(self, data: CheckData, **options: Any) -> CheckResult:
        """The check over the dataset in `data`, with `options` (validated) applied."""

    @classmethod
    def options(cls) -> dict[str, inspect.Parameter]:
        """The check's options: the keyword-only parameters of `run`."""
        parameters = inspect.signature(cls.run).parameters.values()
        return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}

    @classmethod
    def applies_to(cls, available: set[str]) -> bool:
        return cls.needs <= available


_REGISTRY: dict[str, type[Check]] = {}


def register(check: type[Check]) -> type[Check]:
    """Add a Check class to the registry under its name (used as a class decorator)."""
    if check.name in _REGISTRY and _REGISTRY[check.name] is not check:
        raise InvalidInputError(f"A quality check named '{check.name}' is already registered.")
    unknown = (check.needs | check.uses) - INPUTS
    if unknown:  # a misspelt need would make the check silently never run
        raise InvalidInputError(
            f"The quality check '{check.name}' declares unknown inputs {sorted(unknown)}; "
            f"known: {sorted(INPUTS)}."
        )
    _REGISTRY[check.name] = check
    return check


GROUP_ORDER = ("vector", "label", "image", "text")


def registered_checks() -> dict[str, type[Check]]:
    """Every registered check by name: vector checks, label checks, image checks, text
    checks, each part in registration order."""
    ranked = sorted(_REGISTRY.values(), key=lambda c: GROUP_ORDER.index(c.group))
    return {check.name: check for check in ranked}


def convert_option(check: type[Check], option: str, value: Any) -> Any:
    """`value` (often the text of `--param check.option=value`) as the option's type, or an
    InvalidInputError naming the check, the option, what was expected and what was given."""
    known = check.options()
    if option not in known:
        raise InvalidInputError(
            f"The '{check.name}' check has no option '{option}'; valid: {sorted(known) or 'none'}."
        )
    hints = typing.get_type_hints(check.run)
    kinds = _allowed_types(hints.get(option, type(known[option].default)))
    if value is None or (isinstance(value, str) and value.lower() == "none"):
        if type(None) in kinds:
            return None
    for kind in (k for k in (bool, int, float, str) if k in kinds):
        converted = _as(kind, value)
        if converted is not None:
            return _in_limits(check, option, converted)
    names = " or ".join(TYPE_NAMES.get(k, k.__name__) for k in kinds)
    raise InvalidInputError(
        f"The '{option}' option of the '{check.name}' check must be {names}. Got {value!r} instead."
    )


TYPE_NAMES = {int: "an int", float: "a finite number", bool: "true or false", type(None): "none"}


def _in_limits(check: type[Check], option: str, value: Any) -> Any:
    """`value` when it lies in the option's declared range or choices, else the error."""
    low, high = check.bounds.get(option, (None, None))
    if not isinstance(value, bool) and isinstance(value, int | float):
        if (low is not None and value < low) or (high is not None and value > high):
            kind = "an int" if isinstance(value, int) else "a number"
            if high is None:
                expected = f"{kind} >= {low:g}"
            elif low is None:
                expected = f"{kind} <= {high:g}"
            else:
                expected = f"{kind} in [{low:g}, {high:g}]"
            raise InvalidInputError(
                f"The '{option}' option of the '{check.name}' check must be {expected}. Got "
                f"{value!r} instead."
            )
    valid = check.choices.get(option)
    if valid is not None and value not in valid:
        raise InvalidInputError(
            f"The '{option}' option of the '{check.name}' check must be one of "
            f"{', '.join(repr(v) for v in valid)}. Got {value!r} instead."
        )
    return value


def _allowed_types(hint: Any) -> set[type]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return {a for a in typing.get_args(hint) if isinstance(a, type)}
    return {hint} if isinstance(hint, type) else {str}


def _as(kind: type, value: Any) -> Any:
    """`value` as `kind` when it is one unambiguously, else None."""
    text = str(value).strip()
    if kind is bool:
        if isinstance(value, bool):
            return value
        return {"true": True, "1": True, "false": False, "0": False}.get(text.lower())
    if kind is int:
        if isinstance(value, bool):
            return None
        try:
            return int(text)
        except ValueError:
            return None
    if kind is float:
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return text


def resolve_options(
    given: dict[str, dict[str, Any]], checks: dict[str, type[Check]] | None = None
) -> dict[str, dict[str, Any]]:
    """Per check, the options given (converted), refusing unknown checks and options."""
    known = checks if checks is not None else registered_checks()
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidInputError(
            f"Unknown quality check(s) {unknown} in --param; valid: {sorted(known)}."
        )
    return {
        name: {option: convert_option(known[name], option, v) for option, v in options.items()}
        for name, options in given.items()
    }


def parse_check_params(pairs: dict[str, str]) -> dict[str, dict[str, str]]:
    """{'outlier.fence': '2.5'} -> {'outlier': {'fence': '2.5'}}; a key without a dot is an
    error that says how to write it."""
    nested: dict[str, dict[str, str]] = {}
    for key, value in pairs.items():
        check, dot, option = key.partition(".")
        if not dot or not check or not option:
            raise InvalidInputError(
                f"--param expects CHECK.OPTION=VALUE (e.g. outlier.fence=2.5). Got {key!r}."
            )
        nested.setdefault(check, {})[option] = value
    return nested


def run_checks(
    data: CheckData,
    options: dict[str, dict[str, Any]] | None = None,
    *,
    groups: set[str] | None = None,
) -> list[CheckResult]:
    """Every registered check whose needs `data` meets (and, if given, whose group is in
    `groups`), in registration order, each with its options."""
    resolved = resolve_options(options or {})
    available = data.available()
    results = []
    for name, check in registered_checks().items():
        if not check.applies_to(available) or (groups is not None and check.group not in groups):
            continue
        results.append(check().run(data, **resolved.get(name, {})))
    return results
