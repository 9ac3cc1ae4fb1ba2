"""The embedded default backend: DuckDB, spilling to disk under a memory budget
(memory.py: a share of the machine unless a limit is given)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from headcount.engine.base import Engine, EngineError
from headcount.engine.dialect import Dialect
from headcount.engine.memory import memory_budget
from headcount.engine.profile import Profiler


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection | None = None,
        *,
        database: str | Path = ":memory:",
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.dialect = Dialect()
        self.con = connection if connection is not None else duckdb.connect(str(database))
        # Our own Rich bars report progress; DuckDB's would draw over them.
        self.con.execute("SET enable_progress_bar = false")
        self.memory = memory_budget(memory_limit)
        self.con.execute(f"SET memory_limit = '{self.memory.limit}'")
        if temp_directory:
            self.con.execute(f"SET temp_directory = '{Path(temp_directory).as_posix()}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def profile(self, profiler: Profiler) -> None:
        """Profile every statement from now on into `profiler` (`verify --profile`)."""
        profiler.enable(self.con)
        self.profiler = profiler

    def execute(self, sql: str) -> None:
        try:
            self.con.execute(sql)
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB could not run a statement: {exc}\n{sql}") from exc
        if self.profiler is not None:
            self.profiler.record(self.con)

    def fetch_arrow(self, sql: str) -> pa.Table:
        try:
            result = self.con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB could not run a query: {exc}\n{sql}") from exc
        if self.profiler is not None:
            self.profiler.record(self.con)
        return result

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}__arrow", table)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}__arrow")
        self.con.unregister(f"{name}__arrow")

    def close(self) -> None:
        self.con.close()
