"""Hands the ingested tables to an engine other than the DuckDB that read them.

Ingest stays in DuckDB, which validates and types every cell; the typed tables are then
written as Parquet (types intact: DECIMAL(18,2), DATE, TIMESTAMP) and the other engine
reads those files, so every engine sees exactly the same rows.
"""

from __future__ import annotations

from pathlib import Path

from headcount.contract.findings import RuleSkipped
from headcount.contract.tables import TABLES
from headcount.engine import ENGINES
from headcount.engine.base import Engine, EngineError
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.rules import all_rules
from headcount.rules.prepare import prepare

# Every table the rules, payees and check-in summary read, as ingest leaves them.
STAGED_TABLES = (*(t.name for t in TABLES), "data_quality")


def write_parquet_tables(duck: DuckDBEngine, folder: Path) -> dict[str, Path]:
    """Each staged table as `folder/<table>.parquet`; returns table -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for table in STAGED_TABLES:
        path = folder / f"{table}.parquet"
        quoted = str(path).replace("'", "''")
        duck.execute(f"COPY {table} TO '{quoted}' (FORMAT parquet)")
        files[table] = path
    return files


def spark_engine(
    duck: DuckDBEngine, folder: Path, master: str | None = None, staging: str | None = None
) -> Engine:
    """A Spark engine with the run's typed tables as views, written to `folder` and, when
    `staging` names a shared location (s3a://bucket/tmp, hdfs:///tmp, a mounted path),
    copied there for a cluster's executors, which cannot read the driver's disk."""
    from headcount.engine.spark_engine import SparkEngine

    files = write_parquet_tables(duck, folder)
    engine = SparkEngine(master)
    try:
        located = engine.upload(files, staging) if staging else files
        for table, path in located.items():
            engine.register_parquet(table, path)
    except BaseException:
        engine.close()
        raise
    return engine


def check_engine(name: str) -> None:
    """Fail before any work on an unknown engine or one whose library is missing."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
    if name == "spark":
        from headcount.engine.spark_engine import require_pyspark

        require_pyspark()


def _tables(duck: DuckDBEngine) -> set[str]:
    names = duck.fetch_arrow("SELECT table_name FROM information_schema.tables").column(0)
    # Splink's own working tables stay behind.
    return {n for n in names.to_pylist() if not n.startswith("__splink")}


def run_hooks_in_duckdb(
    duck: DuckDBEngine, target: Engine, present: frozenset[str]
) -> dict[str, str]:
    """Run the `prepare` hooks of the rules that will run, in DuckDB, and copy the tables
    they make to `target`; return the rules whose hook stepped aside, with the reason.

    The hooks today fit the identity-resolution model (Splink on DuckDB), which is
    roster-sized work a single machine does well; payment volume is what Spark is for. The
    rule queries then run on `target` like any other.
    """
    hooks = [(r.code, r.prepare) for r in all_rules() if r.prepare and r.needs <= present]
    skipped: dict[str, str] = {}
    if not hooks:
        return skipped
    prepare(duck)  # the shared relations (nickname_pairs, …) the hooks may read
    before = _tables(duck)
    for code, hook in hooks:
        try:
            hook(duck)
        except RuleSkipped as exc:
            skipped[code] = str(exc)
    for name in sorted(_tables(duck) - before):
        target.register_arrow(name, duck.fetch_arrow(f'SELECT * FROM "{name}"'))
    return skipped
