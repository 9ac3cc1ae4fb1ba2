"""Ctrl-C and SIGTERM: one line on standard error and exit 130 or 143, never a traceback.

The handlers are installed before the rest of the CLI is imported (the console script
starts in cli/launch.py), and they remember which signal came. That matters because an interrupt
does not always surface as KeyboardInterrupt: DuckDB cancels the running query and
raises its own error, which the library may wrap (EngineError, DatasetError). Whatever
exception ends a command after a signal, the command reports the interruption.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported after the handlers are in place
    from rich.console import Console

_received: int | None = None
_reported = False


def _handle(signum: int, frame: FrameType | None) -> None:
    global _received
    if _received is None:
        _received = signum
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT and SIGTERM through `_handle` (SIGTERM would otherwise end the process
    at once, with no chance to remove its temporary folder)."""
    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


def received() -> int | None:
    """The first signal this process got, or None."""
    return _received


def exit_code() -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + (_received or signal.SIGINT)


def word() -> str:
    """How the one line names what happened."""
    return "terminated" if _received == signal.SIGTERM else "interrupted"


def report(console: Console, message: str) -> None:
    """Print `message` as the one line about the interruption (later calls print nothing)."""
    global _reported
    if not _reported:
        _reported = True
        console.print(message, markup=False, highlight=False, soft_wrap=True)
