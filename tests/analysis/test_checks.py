"""The check registry: what each check needs, options checked against `run`'s signature,
generic runs over whatever a dataset has, and the simple text checks."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.analysis.checks import (
    Check,
    CheckData,
    convert_option,
    parse_check_params,
    register,
    registered_checks,
    resolve_options,
    run_checks,
)
from embedlab.analysis.checks.base import CheckResult
from embedlab.analysis.neighbors import build_neighbor_graph
from embedlab.errors import InvalidInputError


def test_every_first_version_check_is_registered_with_its_needs() -> None:
    checks = registered_checks()
    assert {"outlier", "near_duplicate", "non_iid", "class_imbalance", "label_issue"} <= set(checks)
    assert {"dark", "bright", "low_contrast", "blurry", "exact_duplicate"} <= set(checks)
    assert checks["label_issue"].needs == {"labels", "vectors", "graph"}
    assert checks["dark"].needs == {"images"} and checks["empty_text"].needs == {"texts"}
    assert list(checks)[:3] == ["outlier", "near_duplicate", "non_iid"]


def test_a_check_that_declares_an_unknown_input_is_refused() -> None:
    class Misspelt(Check):
        name = "misspelt_need"
        needs = frozenset({"image"})  # "images" is the input's name

        def run(self, data: CheckData) -> CheckResult:  # pragma: no cover - never registered
            raise AssertionError

    with pytest.raises(InvalidInputError, match=r"unknown inputs \['image'\]"):
        register(Misspelt)
    assert "misspelt_need" not in registered_checks()


def test_options_are_converted_and_refused_by_name() -> None:
    outlier = registered_checks()["outlier"]
    assert convert_option(outlier, "fence", "2.5") == 2.5
    assert convert_option(outlier, "k", "none") is None and convert_option(outlier, "k", "7") == 7
    with pytest.raises(InvalidInputError, match="'fence' option of the 'outlier' check must be"):
        convert_option(outlier, "fence", "high")
    with pytest.raises(InvalidInputError, match="no option 'fense'.*'fence'"):
        convert_option(outlier, "fense", "2")
    with pytest.raises(InvalidInputError, match=r"Unknown quality check\(s\) \['outlyer'\]"):
        resolve_options({"outlyer": {"fence": "2"}})
    assert parse_check_params({"outlier.fence": "2"}) == {"outlier": {"fence": "2"}}
    with pytest.raises(InvalidInputError, match="CHECK.OPTION=VALUE"):
        parse_check_params({"fence": "2"})


def test_checks_run_when_their_needs_are_met_with_their_options() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    texts = ["a fine sentence about nothing much"] * 55 + [
        "",
        "ok",
        "1234 5678 %%%",
        "cafÃ©",
        "x" * 4000,
    ]
    data = CheckData(
        ids=[str(i) for i in range(60)],
        vectors=vectors,
        graph=build_neighbor_graph(vectors, k=5),
        texts=texts,
    )
    results = {r.name: r for r in run_checks(data, {"outlier": {"fence": 10.0}})}
    assert "label_issue" not in results and "dark" not in results  # no labels, no images
    assert results["outlier"].params["fence"] == 10.0
    flagged = {name: np.flatnonzero(r.flags).tolist() for name, r in results.items()}
    assert flagged["empty_text"] == [55]
    assert flagged["short_text"] == [56]
    assert flagged["non_letter_text"] == [57]
    assert flagged["encoding_damage"] == [58]
    assert 59 in flagged["long_text"]
    assert results["encoding_damage"].signal(58) == "encoding_damage"
    assert (results["near_duplicate"].summary["by_signal"]["minhash"]) >= 50  # 55 copies
    assert run_checks(data, groups={"text"})[0].name == "empty_text"


@pytest.mark.parametrize(
    ("check", "option", "value", "match"),
    [
        (
            "label_issue",
            "folds",
            "1",
            r"'folds' option of the 'label_issue' check must be an int >= 2",
        ),
        ("label_issue", "neighbour_weight", "-3", r"must be a number in \[0, 1\]. Got -3.0"),
        ("label_issue", "filter_by", "zzz", r"must be one of 'prune_by_noise_rate', .*Got 'zzz'"),
        ("outlier", "k", "0", r"'k' option of the 'outlier' check must be an int >= 1. Got 0"),
        ("outlier", "fence", "nan", r"must be a finite number. Got 'nan'"),
        ("near_duplicate", "threshold", "2", r"must be a number in \[-1, 1\]. Got 2.0"),
        ("non_iid", "permutations", "0", r"must be an int >= 1"),
        ("cnn_ood", "score", "loss", r"must be one of 'energy', 'msp'"),
    ],
)
def test_options_out_of_range_are_refused_before_any_check_runs(
    check: str, option: str, value: str, match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        resolve_options({check: {option: value}})


def test_every_declared_limit_names_an_option_and_admits_its_default() -> None:
    for name, check in registered_checks().items():
        options = check.options()
        for option in check.bounds:
            assert option in options, f"{name}.{option} is not an option"
            default = options[option].default
            if default is not None:
                assert convert_option(check, option, default) == default, f"{name}.{option}"
        for option, valid in check.choices.items():
            assert options[option].default in valid, f"{name}.{option}"
