"""What a run's identity resolution is given besides the roster: a kept model, and labels.

`verify` sets them for the run (`with run_inputs(...)`) and DUPLICATE_PERSON's prepare hook
reads them (`current()`): the hook's signature is the same for every rule, so they travel
in a context variable rather than through every layer between.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from headcount.linkage.labels import Label


@dataclass(frozen=True)
class RunInputs:
    model: Path | None = None  # a kept model (persist.py)
    labels: tuple[Label, ...] = ()


_CURRENT: ContextVar[RunInputs | None] = ContextVar("headcount_linkage_inputs", default=None)


@contextmanager
def run_inputs(inputs: RunInputs) -> Iterator[None]:
    token = _CURRENT.set(inputs)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> RunInputs:
    return _CURRENT.get() or RunInputs()
