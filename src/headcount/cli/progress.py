"""Rich progress bars fed by the library's plain `progress(stage, done, total)` hook."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    """One bar per stage; stages named 'group: item' share the group's bar."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def prefixed(self, prefix: str) -> Callable[[str, int, int], None]:
        """The same bars, with stage names prefixed (demo makes and reads a 'roster')."""

        def report(stage: str, done: int, total: int) -> None:
            self(f"{prefix} {stage}", done, total)

        return report

    def __call__(self, stage: str, done: int, total: int) -> None:
        # "group: item" stages share one bar per group that names the current item.
        key = stage.split(": ", 1)[0]
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(stage, total=max(total, 1))
        self._progress.update(
            self._tasks[key], completed=done, total=max(total, 1), description=stage
        )
