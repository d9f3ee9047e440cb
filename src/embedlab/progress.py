"""Progress reporting without printing from library code.

Library functions open tasks with `task(...)`; nothing is shown unless an interface (the CLI)
installs a reporter with `use_reporter(...)`. A context variable keeps reporters per thread.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Protocol


class ProgressTask(Protocol):
    def advance(self, amount: float = 1) -> None: ...


class Reporter(Protocol):
    def start(self, description: str, total: float | None) -> ProgressTask: ...
    def finish(self, task: ProgressTask) -> None: ...


class _SilentTask:
    def advance(self, amount: float = 1) -> None:
        pass

    def show(self, text: str) -> None:
        pass


_reporter: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar(
    "embedlab_reporter", default=None
)


@contextlib.contextmanager
def use_reporter(reporter: Reporter) -> Iterator[None]:
    """Show the progress of everything run inside this block through `reporter`."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


def show(handle: ProgressTask, text: str) -> None:
    """Show a short status next to a task's bar (e.g. the current loss), where the reporter
    can; reporters without a `show` method ignore it."""
    method = getattr(handle, "show", None)
    if method is not None:
        method(text)


@contextlib.contextmanager
def task(description: str, total: float | None = None) -> Iterator[ProgressTask]:
    """A unit of long work; `advance` it as it goes. Silent when no reporter is installed."""
    reporter = _reporter.get()
    if reporter is None:
        yield _SilentTask()
        return
    handle = reporter.start(description, total)
    try:
        yield handle
    finally:
        reporter.finish(handle)
