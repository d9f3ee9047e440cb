"""The registry of quality checks. A new check is one module here with a `@register`ed Check
class, and one line below that imports it (imports register, in this order)."""

from embedlab.analysis.checks import (  # noqa: F401  (registers)
    classifier,
    image,
    labels,
    text,
    vector,
)
from embedlab.analysis.checks.base import (
    Check,
    CheckData,
    ImageData,
    convert_option,
    parse_check_params,
    register,
    registered_checks,
    resolve_options,
    run_checks,
)

__all__ = [
    "Check",
    "CheckData",
    "ImageData",
    "convert_option",
    "parse_check_params",
    "register",
    "registered_checks",
    "resolve_options",
    "run_checks",
]
