"""Rich progress bars fed by the library's plain `progress(stage, done, total)` hook."""

from __future__ import annotations

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
    """One bar per stage; rule stages share one 'rules' bar that names the current rule."""

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

    def __call__(self, stage: str, done: int, total: int) -> None:
        key, label = stage, stage
        if stage.startswith("rule "):
            key, label = "rules", f"rules: {stage.removeprefix('rule ')}"
        elif stage == "rules":
            label = "rules: done"
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(label, total=max(total, 1))
        self._progress.update(
            self._tasks[key], completed=done, total=max(total, 1), description=label
        )
