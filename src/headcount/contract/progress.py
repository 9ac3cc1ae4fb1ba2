"""The progress hook every long-running library call accepts (the CLI passes a Rich one)."""

from __future__ import annotations

from collections.abc import Callable

# (stage, done, total): called as work advances; total is 0 when unknown.
Progress = Callable[[str, int, int], None]


def quiet(stage: str, done: int, total: int) -> None:
    """The default progress hook: say nothing."""
