"""Library progress tasks (embedlab.progress) shown as rich progress bars on stderr."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from embedlab import progress


class _RichTask:
    def __init__(self, bar: Progress, task_id: Any, description: str) -> None:
        self.bar = bar
        self.task_id = task_id
        self.description = description

    def advance(self, amount: float = 1) -> None:
        self.bar.advance(self.task_id, amount)

    def show(self, text: str) -> None:
        self.bar.update(self.task_id, description=f"{self.description} ({text})")


class RichReporter:
    """Shows library progress tasks as rich progress bars on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None
        self.active = 0

    def start(self, description: str, total: float | None) -> _RichTask:
        if self.bar is None:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
        self.active += 1
        return _RichTask(self.bar, self.bar.add_task(description, total=total), description)

    def finish(self, task: progress.ProgressTask) -> None:
        assert isinstance(task, _RichTask) and self.bar is not None
        total = self.bar.tasks[task.task_id].total if task.task_id < len(self.bar.tasks) else None
        self.bar.update(
            task.task_id,
            completed=total if total is not None else 1,
            total=total if total is not None else 1,
        )
        self.active -= 1
        if self.active == 0:
            self.bar.stop()
            self.bar = None
