"""The embedlab error tree: every error a user can cause is one of these, with a message that
names the file, row or id, what was expected and what came."""

from __future__ import annotations

__all__ = [
    "EmbedlabError",
    "InvalidInputError",
    "MissingDependencyError",
    "NotFittedError",
    "NotFoundError",
    "WorkspaceError",
]


class EmbedlabError(Exception):
    """Base class of every error embedlab raises on purpose."""


class InvalidInputError(EmbedlabError, ValueError):
    """Input data or a parameter is not what was expected."""


class NotFittedError(EmbedlabError, AttributeError):
    """A method was used before `fit`."""


class MissingDependencyError(EmbedlabError, ImportError):
    """An optional package is needed; the message says how to install it."""


class WorkspaceError(EmbedlabError, OSError):
    """The workspace folder cannot be read or written."""


class NotFoundError(EmbedlabError, KeyError):
    """A dataset, space, method, column or item does not exist; the message lists valid ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def did_you_mean(name: str, valid: list[str] | tuple[str, ...]) -> str:
    """A sentence listing the valid choices, closest match first when there is one."""
    import difflib

    close = difflib.get_close_matches(name, list(valid), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    listing = ", ".join(f"'{v}'" for v in sorted(valid)) or "(none)"
    return f"Valid choices: {listing}.{hint}"
