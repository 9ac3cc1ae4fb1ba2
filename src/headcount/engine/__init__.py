"""Engines run the rule SQL. DuckDB is embedded and the default; others plug in behind `Engine`."""

from headcount.engine.base import Engine, EngineError
from headcount.engine.dialect import Dialect, DuckDBDialect

__all__ = ["Dialect", "DuckDBDialect", "Engine", "EngineError", "open_engine"]


def open_engine(name: str, **options: object) -> Engine:
    """Open an engine by name; heavy backends are imported only when asked for."""
    if name == "duckdb":
        from headcount.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    raise EngineError(f"unknown engine {name!r}; available: duckdb")
