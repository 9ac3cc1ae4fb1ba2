"""The `verify --state` store: one folder holding one DuckDB database and a lock file.

state.duckdb keeps the typed input tables, the prepared relations (death matches, pay
caps, identity resolution's person_links/person_clusters/linkage_model), the findings
with their keys (`hc_findings`), the payees (`hc_payees`) and, in `hc_meta`, the
fingerprints of the inputs and code it was built from. A full run builds a new database
beside the old one and renames it over it; an incremental run changes the database in one
transaction. Either way a failed run leaves the state as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from headcount.contract.findings import Severity
from headcount.contract.summary import CheckinSummary
from headcount.ingest import Dataset
from headcount.pipeline.findings import Finding, Keyed, to_json
from headcount.pipeline.stateful.fingerprint import FileStamp

DATABASE = "state.duckdb"
PAYEES = "hc_payees"
LOCK = "lock"
FORMAT = 1  # of what is stored; a state of another format is rebuilt by a full run


class StateError(RuntimeError):
    """The state folder cannot be used (in use by another run, or not a state folder)."""


@dataclass
class Meta:
    """What the stored results were computed from."""

    code: str  # pipeline.stateful.fingerprint.code_fingerprint()
    strict: bool
    files: dict[str, FileStamp]  # input file name -> stamp
    dataset: Dataset
    checkins: CheckinSummary | None  # the check-in summary (roster and check-ins only)
    skipped: dict[str, str] = field(default_factory=dict)  # rules that stepped aside: why

    def to_json(self) -> str:
        ds = self.dataset
        return json.dumps(
            {
                "format": FORMAT,
                "code": self.code,
                "strict": self.strict,
                "files": {name: s.to_json() for name, s in self.files.items()},
                "dataset": {
                    "folder": str(ds.folder),
                    "files": ds.files,
                    "rows": ds.rows,
                    "present": sorted(ds.present),
                    "data_quality": ds.data_quality,
                    "mapping": ds.mapping,
                },
                "checkins": self.checkins,
                "skipped": self.skipped,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Meta | None:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            return None
        ds = data["dataset"]
        return cls(
            code=data["code"],
            strict=bool(data["strict"]),
            files={name: FileStamp.from_json(s) for name, s in data["files"].items()},
            dataset=Dataset(
                folder=Path(ds["folder"]),
                files=ds["files"],
                rows=ds["rows"],
                present=frozenset(ds["present"]),
                data_quality=int(ds["data_quality"]),
                mapping=ds["mapping"],
            ),
            checkins=data["checkins"],
            skipped=data.get("skipped", {}),
        )


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for the run; another run meanwhile fails at once. The
    operating system releases it if the process dies."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise StateError(
                f"the state folder {folder} is in use by another headcount verify run "
                f"(process {holder}); wait for it to finish or use another --state folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def check_folders(state: Path, dataset: Path, out: Path) -> None:
    """The state must be its own folder: replacing OUT must never remove it, nor it OUT."""
    s, d, o = (p.resolve() for p in (state, dataset, out))
    if s in (d, o) or o in s.parents or s in o.parents:
        raise StateError(
            f"--state {state} must be a folder of its own, apart from the dataset and from "
            "--out (OUT is replaced as a whole on every run)"
        )
    if state.exists() and not state.is_dir():
        raise StateError(f"--state {state} exists and is not a folder")
    if state.is_dir() and any(state.iterdir()) and not (state / LOCK).exists():
        raise StateError(
            f"--state {state} is not empty and is not a headcount state folder; choose a new folder"
        )


def read_meta(con: duckdb.DuckDBPyConnection) -> Meta | None:
    [(found,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'hc_meta' AND NOT temporary"
    ).fetchall()
    if not found:
        return None
    rows = con.execute("SELECT meta FROM hc_meta").fetchall()
    return Meta.from_json(str(rows[0][0])) if rows else None


def write_meta(con: duckdb.DuckDBPyConnection, meta: Meta) -> None:
    con.execute("CREATE OR REPLACE TABLE hc_meta (meta VARCHAR)")
    con.execute("INSERT INTO hc_meta VALUES (?)", [meta.to_json()])


_FINDINGS_SCHEMA = pa.schema(
    [
        ("finding_key", pa.string()),
        ("finding_id", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("employee_ids", pa.list_(pa.string())),
        ("payment_ids", pa.list_(pa.string())),
        ("amount_at_risk", pa.decimal128(18, 2)),
        ("summary", pa.string()),
        ("evidence", pa.string()),
    ]
)


def save_findings(con: duckdb.DuckDBPyConnection, keyed: list[Keyed]) -> None:
    """Evidence is stored as the JSON text findings.csv carries, so a stored finding
    writes out exactly as it did when it was found."""
    table = pa.table(
        {
            "finding_key": [k for k, _ in keyed],
            "finding_id": [f.finding_id for _, f in keyed],
            "rule": [f.rule for _, f in keyed],
            "severity": [f.severity.value for _, f in keyed],
            "employee_ids": [list(f.employee_ids) for _, f in keyed],
            "payment_ids": [list(f.payment_ids) for _, f in keyed],
            "amount_at_risk": [f.amount_at_risk for _, f in keyed],
            "summary": [f.summary for _, f in keyed],
            "evidence": [to_json(f.evidence) for _, f in keyed],
        },
        schema=_FINDINGS_SCHEMA,
    )
    con.register("hc_findings__arrow", table)
    try:
        con.execute("CREATE OR REPLACE TABLE hc_findings AS SELECT * FROM hc_findings__arrow")
    finally:
        con.unregister("hc_findings__arrow")


def load_findings(con: duckdb.DuckDBPyConnection) -> list[Keyed]:
    rows = con.sql("SELECT * FROM hc_findings").to_arrow_table().to_pylist()
    return [
        (
            str(r["finding_key"]),
            Finding(
                finding_id=r["finding_id"],
                rule=r["rule"],
                severity=Severity(r["severity"]),
                employee_ids=tuple(r["employee_ids"]),
                payment_ids=tuple(r["payment_ids"]),
                amount_at_risk=Decimal(r["amount_at_risk"]),
                summary=r["summary"],
                evidence=json.loads(r["evidence"]),
            ),
        )
        for r in rows
    ]


def save_payees(con: duckdb.DuckDBPyConnection, payees: pa.Table) -> None:
    con.register("hc_payees__arrow", payees)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {PAYEES} AS SELECT * FROM hc_payees__arrow")
    finally:
        con.unregister("hc_payees__arrow")


def load_payees(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(f"SELECT * FROM {PAYEES} ORDER BY employee_id").to_arrow_table()


def remove(path: Path) -> None:
    """A database file and its write-ahead log."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def publish(built: Path, folder: Path) -> None:
    """Put a newly built database in place of the state's in one rename. The old
    database's log goes first: it must never be replayed onto the new one."""
    target = folder / DATABASE
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(built, target)
