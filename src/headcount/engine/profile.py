"""`verify --profile`: DuckDB's own profile of every query headcount runs through its
engine, each labelled with the rule or stage it belongs to.

DuckDB profiles the last query of a connection (`PRAGMA enable_profiling`); the engine
reads that profile after each statement it runs (DuckDBEngine.execute / fetch_arrow), so
the queries of prepare, every rule, the payees and the existence summary are all kept.
Ingest reads files through DuckDB's CSV and Parquet readers in many small statements of
its own and is not profiled (its time is `timings_seconds.ingest`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb


class ProfileError(ValueError):
    """--profile asked for where it cannot be given."""


PROFILE_FILE = "profile.json"  # in the results folder (manifest.py: not a reproducible output)


@dataclass(frozen=True)
class QueryProfile:
    label: str  # "rule PAY_SPIKE", "prepare", "payees", ...
    seconds: float  # DuckDB's wall time for the query
    rows_scanned: int  # rows its table scans read
    sql: str
    plan: list[dict[str, Any]]  # DuckDB's operator tree, with each operator's time and rows


@dataclass
class Profiler:
    label: str = "unlabelled"
    queries: list[QueryProfile] = field(default_factory=list)

    def enable(self, con: duckdb.DuckDBPyConnection) -> None:
        # 'no_output': profile every query but print nothing; read back after each one.
        con.execute("PRAGMA enable_profiling = 'no_output'")

    def record(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            info = json.loads(con.get_profiling_information(format="json"))
        except (duckdb.Error, ValueError):
            return  # a statement DuckDB keeps no profile for
        query = info.get("query") or {}
        if not info.get("operator"):
            return  # a statement with no plan (DROP, SET, ...): nothing to show
        self.queries.append(
            QueryProfile(
                label=self.label,
                seconds=float(query.get("total_time") or 0.0),
                rows_scanned=int(query.get("total_rows_scanned") or 0),
                sql=str(query.get("sql") or ""),
                plan=list(info.get("operator") or []),
            )
        )

    @contextmanager
    def labelled(self, label: str) -> Iterator[None]:
        before, self.label = self.label, label
        try:
            yield
        finally:
            self.label = before

    def rows_scanned(self, label: str) -> int:
        return sum(q.rows_scanned for q in self.queries if q.label == label)

    def slowest(self, n: int) -> list[QueryProfile]:
        return sorted(self.queries, key=lambda q: -q.seconds)[:n]

    def to_json(self) -> dict[str, Any]:
        """Every profiled query, slowest first, with its plan: profile.json."""
        by_label: dict[str, dict[str, float]] = {}
        for q in self.queries:
            entry = by_label.setdefault(q.label, {"queries": 0, "seconds": 0.0, "rows_scanned": 0})
            entry["queries"] += 1
            entry["seconds"] = round(entry["seconds"] + q.seconds, 6)
            entry["rows_scanned"] += q.rows_scanned
        return {
            "engine": "duckdb",
            "duckdb_version": duckdb.__version__,
            "by_label": by_label,
            "queries": [
                {
                    "label": q.label,
                    "seconds": round(q.seconds, 6),
                    "rows_scanned": q.rows_scanned,
                    "sql": q.sql,
                    "plan": q.plan,
                }
                for q in self.slowest(len(self.queries))
            ],
        }
