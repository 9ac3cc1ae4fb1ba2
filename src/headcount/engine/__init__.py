"""Engines run the rule SQL. DuckDB is embedded and the default; others plug in behind `Engine`."""

from headcount.engine.base import Engine, EngineError
from headcount.engine.dialect import Dialect, DuckDBDialect

__all__ = ["ENGINES", "Dialect", "DuckDBDialect", "Engine", "EngineError", "open_engine"]

ENGINES = ("duckdb", "spark")


def open_engine(name: str, **options: object) -> Engine:
    """Open an engine by name; heavy backends are imported only when asked for."""
    if name == "duckdb":
        from headcount.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    if name == "spark":
        from headcount.engine.spark_engine import SparkEngine

        return SparkEngine(**options)  # type: ignore[arg-type]
    raise EngineError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
