"""`verify --state DIR`: keep a run's tables and results, and re-verify only what changed.

Each run compares the inputs (and headcount's code) with the fingerprints stored in DIR:
- nothing changed: no rule runs; the outputs are written again from the state;
- payroll.csv only grew (its stored content is an exact prefix of the file, which ended
  at a line break): the new rows are read, and only what they can change is re-verified
  (pipeline/stateful/incremental.py);
- anything else (roster, deaths, check-ins, activity, headcount.toml, --strict, the code
  or the rules; payroll edited other than by appending): a full run rebuilds the state.
Whatever the mode, the results are those of a full run on the same files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from headcount.contract.progress import Progress
from headcount.contract.summary import CheckinSummary, ExistenceSummary
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.engine.memory import memory_budget
from headcount.ingest import Dataset
from headcount.ingest.append import APPENDED, append_payroll
from headcount.pipeline.existence import existence_summary
from headcount.pipeline.findings import Keyed
from headcount.pipeline.run import (
    Clock,
    VerifyResult,
    analyse,
    build_summary,
    runnable,
    write_outputs,
)
from headcount.pipeline.stateful.fingerprint import (
    FileStamp,
    PayrollHash,
    code_fingerprint,
    payroll_key,
    stamp,
    stat_of,
)
from headcount.pipeline.stateful.incremental import build_monitoring, update_findings, update_payees
from headcount.pipeline.stateful.state import (
    DATABASE,
    Meta,
    StateError,
    check_folders,
    load_findings,
    load_payees,
    locked,
    publish,
    read_meta,
    remove,
    save_findings,
    save_payees,
    write_meta,
)
from headcount.provenance.files import FileDigest, dataset_files
from headcount.provenance.manifest import Provenance
from headcount.rules import all_rules
from headcount.scratch import spill_dir


@dataclass(frozen=True)
class Plan:
    mode: str  # "full", "incremental" or "unchanged"
    reason: str


@dataclass
class Outcome:
    """The results, from the state or a new run, and what it took to get them."""

    ds: Dataset
    findings: list[Keyed]
    payees: pa.Table
    checkins: CheckinSummary | None
    rows_appended: int = 0
    rerun: dict[str, str] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # rules that stepped aside: why
    existence: ExistenceSummary | None = None


class _Fallback(Exception):
    """The cheaper mode turned out not to apply: run in full, for this reason."""


@dataclass
class _Run:
    """One --state run: its inputs and settings."""

    dataset: Path
    state: Path
    strict: bool
    memory_limit: str | None
    progress: Progress
    clock: Clock
    files: dict[str, Path]
    payroll: str  # its key in `files`
    stamps: dict[str, FileStamp]  # every file but the payroll, hashed at the start
    hasher: PayrollHash
    code: str

    def meta(
        self,
        ds: Dataset,
        payroll: FileStamp,
        checkins: CheckinSummary | None,
        skipped: dict[str, str],
    ) -> Meta:
        files = {**self.stamps, self.payroll: payroll}
        return Meta(self.code, self.strict, files, ds, checkins, skipped)

    def check_unchanged(self, payroll: FileStamp) -> None:
        """No input changed while the run read it (a half-copied file would be stored)."""
        for name, was in {**self.stamps, self.payroll: payroll}.items():
            if stat_of(self.files[name]) != (was.size, was.mtime_ns):
                raise StateError(
                    f"{name} changed while this run read it; run again once it is complete "
                    "(the state was left as it was)"
                )


def verify_with_state(
    dataset: Path,
    out: Path,
    state: Path,
    *,
    strict: bool,
    memory_limit: str | None,
    progress: Progress,
    parameters: dict[str, Any],
    key: Ed25519PrivateKey | None,
    identity_inputs: str = "",
) -> VerifyResult:
    """`identity_inputs`: a digest of the identity-resolution model and labels given, which
    the stored results depend on as much as on the code (a change means a full run)."""
    check_folders(state, dataset, out)
    clock = Clock()
    started = dt.datetime.now(dt.UTC)
    with locked(state):
        progress("state: checking inputs", 0, 1)
        with clock.stage("check"):
            meta = _stored_meta(state)
            files = dataset_files(dataset)
            payroll = payroll_key(files)
            old = meta.files.get(payroll) if meta else None
            run = _Run(
                dataset=dataset,
                state=state,
                strict=strict,
                memory_limit=memory_limit,
                progress=progress,
                clock=clock,
                files=files,
                payroll=payroll,
                stamps={},
                hasher=PayrollHash(files[payroll], old.size if old else None),
                code=f"{code_fingerprint()}:{identity_inputs}",
            )
            run.stamps = {name: stamp(p) for name, p in files.items() if name != payroll}
            plan = _plan(run, meta)
        progress(f"state: {plan.mode} ({plan.reason})", 1, 1)
        outcome = None
        if meta is not None and plan.mode != "full":
            try:
                outcome = _reuse(run, meta, plan)
            except _Fallback as exc:
                plan = Plan("full", str(exc))
                progress(f"state: {plan.mode} ({plan.reason})", 1, 1)
        if outcome is None:
            outcome = _full(run)
        findings = [f for _, f in outcome.findings]
        summary = build_summary(
            outcome.ds,
            findings,
            outcome.payees,
            outcome.checkins,
            started,
            "duckdb",
            outcome.skipped,
            outcome.existence,
        )
        summary["memory"] = memory_budget(memory_limit).to_json()
        summary["incremental"] = {
            "mode": plan.mode,
            "reason": plan.reason,
            "state": str(state),
            "rows_appended": outcome.rows_appended,
            "rules_rerun": outcome.rerun,
            "rules_reused": outcome.reused,
        }
        # The inputs' digests are the stamps this run compared with the stored ones.
        _, payroll_stamp = run.hasher.result()
        stamps = {**run.stamps, run.payroll: payroll_stamp}
        inputs = {name: FileDigest(s.size, s.sha256) for name, s in stamps.items()}
        provenance = Provenance(parameters, lambda: inputs, key)
        write_outputs(out, findings, outcome.payees, summary, clock, progress, provenance)
    return VerifyResult(out=out.resolve(), summary=summary, findings=findings)


def _stored_meta(state: Path) -> Meta | None:
    """The stored fingerprints, or None when there is no usable state (a full run then
    builds one)."""
    path = state / DATABASE
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return read_meta(con)
    except (duckdb.Error, ValueError, KeyError):
        return None
    finally:
        con.close()


def _plan(run: _Run, meta: Meta | None) -> Plan:
    if meta is None:
        return Plan("full", "no stored state yet")
    if meta.code != run.code:
        return Plan(
            "full",
            "headcount's code or rules, or the identity-resolution model or labels given, "
            "differ from the stored run's",
        )
    if meta.strict != run.strict:
        return Plan("full", "--strict differs from the stored run")
    if set(meta.files) != set(run.files):
        changed = sorted(set(meta.files) ^ set(run.files))
        return Plan("full", f"input files added or removed: {', '.join(changed)}")
    for name, now in run.stamps.items():
        was = meta.files[name]
        if (was.size, was.sha256) != (now.size, now.sha256):
            return Plan("full", f"{name} changed")
    was, size = meta.files[run.payroll], run.hasher.size
    if size == was.size:
        return Plan("unchanged", "no input changed")
    path = run.files[run.payroll]
    if size > was.size and path.suffix == ".csv" and _ends_line(path, was.size):
        return Plan("incremental", f"{run.payroll} grew by {size - was.size:,} bytes")
    return Plan("full", f"{run.payroll} changed other than by appending rows")


def _ends_line(path: Path, size: int) -> bool:
    """The stored content ended at a line break, so new bytes after it are new records."""
    with path.open("rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"


def _reuse(run: _Run, meta: Meta, plan: Plan) -> Outcome:
    """Unchanged or incremental: one transaction on the stored database, committed only
    when the payroll's stored content proves to be unchanged."""
    with spill_dir() as spill:
        engine = DuckDBEngine(
            duckdb.connect(str(run.state / DATABASE)),
            memory_limit=run.memory_limit,
            temp_directory=Path(spill),
        )
        con = engine.con
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                stored = load_findings(con)
                if plan.mode == "unchanged":
                    outcome, payroll = _unchanged(run, meta, stored)
                else:
                    outcome, payroll = _incremental(run, meta, engine, stored)
                run.check_unchanged(payroll)
                outcome.payees = load_payees(con)
                outcome.existence = existence_summary(engine, outcome.ds.present)
                run.progress("save: state", 0, 1)
                write_meta(con, run.meta(outcome.ds, payroll, meta.checkins, meta.skipped))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            engine.close()
    run.progress("save: done", 1, 1)
    return outcome


def _unchanged(run: _Run, meta: Meta, stored: list[Keyed]) -> tuple[Outcome, FileStamp]:
    _, payroll = run.hasher.result()
    if payroll.sha256 != meta.files[run.payroll].sha256:
        raise _Fallback(f"{run.payroll} changed (same size, other content)")
    ds = dataclasses.replace(meta.dataset, folder=run.dataset)
    reused = [r.code for r in all_rules() if runnable(r, ds.present) and r.code not in meta.skipped]
    outcome = Outcome(ds, stored, pa.table({}), meta.checkins, reused=reused, skipped=meta.skipped)
    return outcome, payroll


def _incremental(
    run: _Run, meta: Meta, engine: DuckDBEngine, stored: list[Keyed]
) -> tuple[Outcome, FileStamp]:
    old_rows = meta.dataset.rows["payroll"]
    with run.clock.stage("ingest"):
        run.progress("read: new payroll rows", 0, 1)
        added = append_payroll(
            engine.con,
            run.dataset,
            meta.files[run.payroll].size,
            old_rows,
            strict=run.strict,
        )
        run.progress(f"read: {added.rows:,} new payroll rows", 1, 1)
    run.clock.rows["ingest"] = added.rows
    _check_caps(engine)
    ds = dataclasses.replace(
        meta.dataset,
        folder=run.dataset,
        rows={**meta.dataset.rows, "payroll": old_rows + added.rows},
        data_quality=meta.dataset.data_quality + added.bad_cells,
    )
    with run.clock.stage("rules"):
        update = update_findings(engine, stored, ds.present, run.progress, run.clock)
    run.clock.rows["rules"] = len(update.findings)
    if update.reused:
        run.progress(f"reused: {', '.join(update.reused)}", 1, 1)
    if update.rerun:
        rerun = ", ".join(f"{code} ({what})" for code, what in update.rerun.items())
        run.progress(f"rerun: {rerun}", 1, 1)
    with run.clock.stage("payees"):
        run.progress("payees: sums with the new rows added", 0, 1)
        update_payees(engine, update.findings, "deaths" in ds.present)
        run.progress("payees: done", 1, 1)
    prefix, payroll = run.hasher.result()
    if prefix != meta.files[run.payroll].sha256:
        raise _Fallback(f"{run.payroll} changed before its end, not only by appended rows")
    save_findings(engine.con, update.findings)
    outcome = Outcome(
        ds,
        update.findings,
        pa.table({}),
        meta.checkins,
        rows_appended=added.rows,
        rerun=update.rerun,
        reused=[code for code in update.reused if code not in meta.skipped],
        skipped=meta.skipped,
    )
    return outcome, payroll


def _check_caps(engine: DuckDBEngine) -> None:
    """The stored pay caps cover the payroll's years; rows in a new year change them (and
    PAY_ABOVE_CAP's salary test for everyone), which needs a full run."""
    [(outside,)] = engine.con.execute(
        f"SELECT count(*) FROM {APPENDED} WHERE year(pay_period_end) < "
        "(SELECT min(year) FROM pay_caps) OR year(pay_period_end) > (SELECT max(year) "
        "FROM pay_caps)"
    ).fetchall()
    if outside:
        raise _Fallback("the new rows reach a year the stored pay caps do not cover")


def _full(run: _Run) -> Outcome:
    """A whole run into a new database, which then replaces the stored one."""
    built = run.state / f"{DATABASE}.new"
    remove(built)
    with spill_dir() as spill:
        duck = DuckDBEngine(
            duckdb.connect(str(built)), memory_limit=run.memory_limit, temp_directory=Path(spill)
        )
        try:
            found = analyse(duck, run.dataset, run.clock, run.progress, strict=run.strict)
            _, payroll = run.hasher.result()
            run.check_unchanged(payroll)
            run.progress("save: state", 0, 1)
            build_monitoring(duck)
            save_findings(duck.con, found.findings)
            save_payees(duck.con, found.payees)
            write_meta(duck.con, run.meta(found.ds, payroll, found.checkins, found.skipped))
            duck.con.execute("CHECKPOINT")
        except BaseException:
            duck.close()
            remove(built)
            raise
        duck.close()
    publish(built, run.state)
    run.progress("save: done", 1, 1)
    rerun = {
        r.code: "all"
        for r in all_rules()
        if runnable(r, found.ds.present) and r.code not in found.skipped
    }
    return Outcome(
        found.ds,
        found.findings,
        found.payees,
        found.checkins,
        rerun=rerun,
        skipped=found.skipped,
        existence=found.existence,
    )
