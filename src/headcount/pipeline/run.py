"""The run toolkit: one whole verification (`run_full`) and the steps it and the stateful
path share: analyse a dataset, build the summary, write the outputs."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from headcount import __version__
from headcount.contract.findings import RuleSkipped
from headcount.contract.progress import Progress
from headcount.contract.summary import CheckinSummary, ExistenceSummary, RuleTiming, Summary
from headcount.engine.base import Engine
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.engine.profile import PROFILE_FILE, Profiler
from headcount.ingest import Dataset, load_dataset
from headcount.pipeline import existence
from headcount.pipeline.findings import (
    Finding,
    Keyed,
    build_finding,
    contract_table,
    employee_links_table,
    findings_table,
    index_table,
    payment_links_table,
    sort_key,
)
from headcount.pipeline.payees import payees_table
from headcount.pipeline.staging import run_hooks_in_duckdb, spark_engine
from headcount.pipeline.summary import (
    amount_summary,
    checkin_summary,
    findings_summary,
    payees_summary,
)
from headcount.provenance.files import InputHashes
from headcount.provenance.manifest import Provenance, write_manifest
from headcount.report import RuleInfo, write_report
from headcount.report.outputs import (
    atomic_directory,
    write_csv,
    write_json,
    write_parquet,
)
from headcount.rules import Rule, all_rules
from headcount.rules.prepare import prepare
from headcount.scratch import spill_dir


@dataclass
class VerifyResult:
    out: Path
    summary: Summary
    findings: list[Finding] = field(repr=False)
    profile: Profiler | None = field(default=None, repr=False)  # with --profile

    @property
    def report(self) -> Path:
        return self.out / "report.html"


@dataclass
class Clock:
    started: float = field(default_factory=time.perf_counter)
    seconds: dict[str, float] = field(default_factory=dict)
    # per rule: seconds of its prepare hook and query, and the findings it returned
    rules: dict[str, RuleTiming] = field(default_factory=dict)
    # per stage: the rows it read or produced (summary.json `stage_rows`, see write_outputs)
    rows: dict[str, int] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)

    def so_far(self, stage: str, since: float) -> dict[str, float]:
        """Timings with `stage` (still running) and the total measured up to now."""
        now = time.perf_counter()
        return {
            **self.seconds,
            stage: round(now - since, 3),
            "total": round(now - self.started, 3),
        }


def runnable(rule: Rule, present: frozenset[str]) -> bool:
    return rule.needs <= present


def rule_findings(engine: Engine, rule: Rule, sql: str | None = None) -> list[Keyed]:
    """The findings of `rule`'s query (or of `sql`, a query over its rows), each with the
    key it belongs to for `verify --state` (its scope's `owner` column)."""
    owner = rule.scope.owner if rule.scope is not None else "finding_key"
    rows = engine.fetch_arrow(sql or rule.query(engine.dialect)).to_pylist()
    return [(str(row[owner]), build_finding(rule, row)) for row in rows]


def run_rules(
    engine: Engine,
    present: frozenset[str],
    progress: Progress,
    *,
    hooks: bool = True,
    skipped: dict[str, str] | None = None,
    clock: Clock | None = None,
) -> list[Keyed]:
    """Every runnable rule on `engine`; `hooks=False` when their `prepare` ran elsewhere.
    A rule whose `prepare` steps aside (RuleSkipped) is added to `skipped` with its reason;
    a rule already in `skipped` is not run. Each rule's time and findings go to `clock`."""
    skipped = {} if skipped is None else skipped
    rules = [r for r in all_rules() if runnable(r, present) and r.code not in skipped]
    findings: list[Keyed] = []
    for done, rule in enumerate(rules):
        progress(f"rules: {rule.code}", done, len(rules))
        start = time.perf_counter()
        label = f"rule {rule.code}"
        with engine.labelled(label):
            if hooks and rule.prepare is not None:
                try:
                    rule.prepare(engine)
                except RuleSkipped as exc:
                    skipped[rule.code] = str(exc)
                    continue
            found = rule_findings(engine, rule)
        findings.extend(found)
        if clock is not None:
            seconds = round(time.perf_counter() - start, 3)
            clock.rules[rule.code] = {"seconds": seconds, "findings": len(found)}
            if engine.profiler is not None:
                clock.rules[rule.code]["rows_scanned"] = engine.profiler.rows_scanned(label)
    progress("rules: done", len(rules), len(rules))
    return sorted_keyed(findings)


def sorted_keyed(findings: list[Keyed]) -> list[Keyed]:
    return sorted(findings, key=lambda kf: sort_key(kf[1]))


@dataclass
class Analysis:
    """What a run found, before anything is written."""

    ds: Dataset
    findings: list[Keyed]
    payees: pa.Table
    checkins: CheckinSummary | None
    engine: str
    skipped: dict[str, str] = field(default_factory=dict)  # rules that stepped aside: why
    existence: ExistenceSummary | None = None


def analyse(
    duck: DuckDBEngine,
    dataset: Path,
    clock: Clock,
    progress: Progress,
    *,
    strict: bool = False,
    spark: Callable[[DuckDBEngine], Engine] | None = None,
    profiler: Profiler | None = None,
) -> Analysis:
    """Ingest `dataset` into `duck`, then prepare, rules, payees and the check-in summary,
    on `duck` or on the engine `spark(duck)` opens over the same typed tables. With
    `profiler` (DuckDB only), every query after ingest is profiled into it."""
    with clock.stage("ingest"):
        ds = load_dataset(
            dataset,
            duck.con,
            strict=strict,
            progress=lambda table, done, total: progress(f"read: {table}", done, total),
        )
    clock.rows["ingest"] = sum(ds.rows.values())
    if profiler is not None:
        duck.profile(profiler)
    run: Engine = duck
    skipped: dict[str, str] = {}
    try:
        if spark is not None:
            with clock.stage("stage"):
                progress("stage: tables for spark", 0, 1)
                run = spark(duck)
        with clock.stage("rules"):
            with run.labelled("prepare"):
                prepare(run)
            if run is not duck:
                skipped = run_hooks_in_duckdb(duck, run, ds.present)
            findings = run_rules(
                run, ds.present, progress, hooks=run is duck, skipped=skipped, clock=clock
            )
        clock.rows["rules"] = len(findings)
        with clock.stage("payees"), run.labelled("payees"):
            run.register_arrow("findings_index", index_table(f for _, f in findings))
            payees = payees_table(run, "deaths" in ds.present)
            checkins = checkin_summary(run) if "campaigns" in ds.present else None
        clock.rows["payees"] = payees.num_rows
        with clock.stage("existence"), run.labelled("existence"):
            found_existence = existence.existence_summary(run, ds.present)
    finally:
        if run is not duck:
            run.close()
    return Analysis(ds, findings, payees, checkins, run.name, skipped, found_existence)


def run_full(
    dataset: Path,
    out: Path,
    files: dict[str, Path],
    provenance_of: Callable[[InputHashes], Provenance],
    *,
    strict: bool,
    memory_limit: str | None,
    engine: str,
    spark_master: str | None,
    spark_staging: str | None,
    threads: int | None,
    progress: Progress,
    profile: bool = False,
) -> VerifyResult:
    """A whole run: ingest, rules, payees, existence, outputs (and the manifest). With
    `profile` (DuckDB only), DuckDB's profile of every query goes to OUT/profile.json and
    to the result."""
    hashes = InputHashes(files)
    provenance = provenance_of(hashes)
    clock = Clock()
    started = dt.datetime.now(dt.UTC)
    profiler = Profiler() if profile else None

    def on_spark(duck: DuckDBEngine) -> Engine:
        return spark_engine(duck, spill / "staged", spark_master, spark_staging)

    try:
        with spill_dir() as spill:
            duck = DuckDBEngine(
                duckdb.connect(), memory_limit=memory_limit, temp_directory=spill, threads=threads
            )
            try:
                found = analyse(
                    duck,
                    dataset,
                    clock,
                    progress,
                    strict=strict,
                    spark=on_spark if engine == "spark" else None,
                    profiler=profiler,
                )
            finally:
                duck.close()
        findings = [f for _, f in found.findings]
        summary = build_summary(
            found.ds,
            findings,
            found.payees,
            found.checkins,
            started,
            found.engine,
            found.skipped,
            found.existence,
        )
        summary["memory"] = duck.memory.to_json()
        write_outputs(out, findings, found.payees, summary, clock, progress, provenance, profiler)
    finally:
        hashes.stop()  # a failed run: stop reading the inputs (done already otherwise)
    return VerifyResult(out=out.resolve(), summary=summary, findings=findings, profile=profiler)


def write_outputs(
    out: Path,
    findings: list[Finding],
    payees: pa.Table,
    summary: Summary,
    clock: Clock,
    progress: Progress,
    provenance: Provenance,
    profiler: Profiler | None = None,
) -> None:
    """Every output file, into a temporary folder that then replaces OUT in one rename;
    manifest.json (of them all, and of the inputs) is written last. `stage_rows` in the
    summary: ingest the input rows read, rules the findings, payees the payees, outputs
    the rows of the CSV files written."""
    with atomic_directory(out) as tmp:
        outputs_started = time.perf_counter()
        progress("write: results", 0, 1)
        table = findings_table(findings)
        written = contract_table(table)
        tables = {
            "findings.csv": written,
            "payees.csv": payees,
            "finding_payments.csv": payment_links_table(findings),
            "finding_employees.csv": employee_links_table(findings),
        }
        if "existence" in summary:
            tables["existence.csv"] = existence.existence_table(summary["existence"])
        for name, csv_table in tables.items():
            write_csv(csv_table, tmp / name)
        write_parquet(written, tmp / "findings.parquet")
        clock.rows["outputs"] = sum(t.num_rows for t in tables.values())
        summary["timings_seconds"] = clock.so_far("outputs", outputs_started)
        write_report(tmp / "report.html", table, summary, rules=rule_infos())
        # summary.json is written last so its timings include the report.
        summary["timings_seconds"] = clock.so_far("outputs", outputs_started)
        if clock.rules:
            summary["rule_timings"] = clock.rules
        summary["stage_rows"] = clock.rows
        write_json(summary, tmp / "summary.json")
        if profiler is not None:
            write_json(profiler.to_json(), tmp / PROFILE_FILE)
        write_manifest(tmp, provenance, summary["engine"])
        progress("write: done", 1, 1)


def rule_infos() -> list[RuleInfo]:
    return [RuleInfo(code=r.code, title=r.title, description=r.flags) for r in all_rules()]


def build_summary(
    ds: Dataset,
    findings: list[Finding],
    payees_table: pa.Table,
    checkins: CheckinSummary | None,
    started: dt.datetime,
    engine: str,
    stepped_aside: dict[str, str] | None = None,
    existence_found: ExistenceSummary | None = None,
) -> Summary:
    payees = payees_summary(payees_table)
    aside = stepped_aside or {}
    ran = [r.code for r in all_rules() if runnable(r, ds.present) and r.code not in aside]
    skipped = {
        r.code: aside.get(r.code) or "needs " + ", ".join(sorted(r.needs - ds.present))
        for r in all_rules()
        if not runnable(r, ds.present) or r.code in aside
    }
    summary: Summary = {
        "headcount_version": __version__,
        "dataset": str(ds.folder),
        "engine": engine,
        "started_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "inputs": {
            name: {"file": ds.files[name], "rows": ds.rows[name]} for name in sorted(ds.present)
        },
        "data_quality_cells": ds.data_quality,
        "rules": {"ran": ran, "skipped": skipped},
        "findings": findings_summary(findings),
        "amount_at_risk": amount_summary(findings),
        "payees": payees,
    }
    if checkins is not None:
        summary["checkins"] = checkins
    if existence_found is not None:
        summary["existence"] = existence_found
    return summary
