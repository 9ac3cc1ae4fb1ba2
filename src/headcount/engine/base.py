"""The one interface every backend implements, in the manner of Splink's DatabaseAPI."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

from headcount.engine.dialect import Dialect
from headcount.engine.profile import Profiler


class EngineError(RuntimeError):
    """A backend could not run a query; the message names the query's purpose."""


class Engine(ABC):
    """Runs SQL written once (in the DuckDB dialect, with `Dialect` helpers for the rest)."""

    name: str
    dialect: Dialect
    profiler: Profiler | None = None  # `verify --profile` (DuckDB only)

    @abstractmethod
    def execute(self, sql: str) -> None:
        """Run a statement that returns nothing (CREATE TABLE … AS, DROP …)."""

    @abstractmethod
    def fetch_arrow(self, sql: str) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    @abstractmethod
    def register_arrow(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table queryable as `name` (replacing any previous one)."""

    def create_table(self, name: str, sql: str) -> None:
        self.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def count(self, table: str) -> int:
        result = self.fetch_arrow(f"SELECT count(*) AS n FROM {table}")
        return int(result.column("n")[0].as_py())

    @contextmanager
    def labelled(self, label: str) -> Iterator[None]:
        """The queries run inside belong to `label` (a rule or stage) in a profile."""
        if self.profiler is None:
            yield
        else:
            with self.profiler.labelled(label):
                yield

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release what the engine holds."""
