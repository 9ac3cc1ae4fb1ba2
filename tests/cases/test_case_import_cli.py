"""`headcount cases import` through the real console script: cases opened once, re-imports
idempotent and never rewinding a case, bad input named by file/line/column with nothing
imported, and no non-response finding accepted."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from casekit import World
from sqlalchemy import func, select

from headcount.cases.models import Case, Person
from headcount.pii import PiiValue
from headcount.store import Store

HEADCOUNT = str(Path(sys.executable).with_name("headcount"))


def run(*args: str, db: str, ring: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADCOUNT_DATABASE_URL": db, "HEADCOUNT_PII_KEYRING_FILE": str(ring)}
    return subprocess.run([HEADCOUNT, *args], capture_output=True, text=True, env=env, timeout=300)


def _counts(db: str) -> tuple[int, int, int]:
    store = Store.open(db)
    try:
        with store.begin() as s:
            return tuple(  # type: ignore[return-value]
                s.scalar(select(func.count()).select_from(t)) for t in (Case, Person, PiiValue)
            )
    finally:
        store.close()


def _findings(world: World) -> list[dict[str, str]]:
    with (world.results / "findings.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_import_then_reimport(database_url: str, world: World, tmp_path: Path) -> None:
    ring = tmp_path / "ring"
    first = run("cases", "import", str(world.results), "--data", str(world.data),
                db=database_url, ring=ring)  # fmt: skip
    assert first.returncode == 0, first.stderr
    n_findings = len([f for f in _findings(world) if f["severity"] != "info"])
    assert f"Cases opened: {n_findings}" in first.stdout
    cases, people, values = _counts(database_url)
    assert cases == n_findings and values == 2 * people  # one SSN and one account each
    # A case moved on is never rewound by a re-import.
    store = Store.open(database_url)
    with store.begin() as s:
        case = s.scalars(select(Case).order_by(Case.id).limit(1)).one()
        case.state = "verified"
        moved = case.id
    again = run("cases", "import", str(world.results), "--data", str(world.data),
                db=database_url, ring=ring)  # fmt: skip
    assert again.returncode == 0 and "Cases opened: 0" in again.stdout
    assert _counts(database_url) == (cases, people, values)
    with store.begin() as s:
        assert s.get_one(Case, moved).state == "verified"
    store.close()
    for stream in (first.stdout, first.stderr, again.stdout, again.stderr):
        for ssn in world.ssns.values():
            assert ssn not in stream and ssn.replace("-", "") not in stream


def _broken(world: World, tmp_path: Path, edit) -> Path:
    folder = tmp_path / "results"
    shutil.copytree(world.results, folder)
    edit(folder)
    return folder


def _rewrite_findings(folder: Path, change) -> None:
    path = folder / "findings.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    rows, header = change(rows, header)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _set(row: int, column: str, value: str):
    def change(rows, header):
        rows[row][column] = value
        return rows, header

    return lambda folder: _rewrite_findings(folder, change)


def _drop_column(column: str):
    def change(rows, header):
        return [{k: v for k, v in r.items() if k != column} for r in rows], [
            h for h in header if h != column
        ]

    return lambda folder: _rewrite_findings(folder, change)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: (f / "payees.csv").unlink(), "payees.csv: missing"),
        (lambda f: [(f / "findings.csv").unlink(), (f / "findings.parquet").unlink()],
         "no findings.csv or findings.parquet"),
        (_drop_column("evidence"), "findings.csv line 1: missing column(s) evidence"),
        (_set(1, "rule", "CHECKIN_NON_RESPONSE"),
         "findings.csv line 3, column rule: not replying to a check-in is never a finding"),
        (_set(2, "amount_at_risk", "lots"), "findings.csv line 4, column amount_at_risk"),
        (_set(0, "evidence", "{not json"), "findings.csv line 2, column evidence: not JSON"),
        (_set(0, "severity", "critical"), "line 2, column severity"),
        (_set(0, "finding_id", "HC-1; DROP TABLE cases"), "line 2, column finding_id"),
        (lambda f: (f / "summary.json").write_text("[]"), "summary.json: not a verify summary"),
    ],
)  # fmt: skip
def test_bad_results_are_refused_whole(
    database_url: str, world: World, tmp_path: Path, edit, message: str
) -> None:
    folder = _broken(world, tmp_path, edit)
    done = run("cases", "import", str(folder), "--data", str(world.data),
               db=database_url, ring=tmp_path / "ring")  # fmt: skip
    assert done.returncode == 2, done.stdout
    assert message in " ".join(done.stderr.split()), done.stderr
    assert "Traceback" not in done.stderr
    assert _counts(database_url) == (0, 0, 0)


def test_missing_folder_and_unreadable_dataset(
    database_url: str, world: World, tmp_path: Path
) -> None:
    ring = tmp_path / "ring"
    missing = run("cases", "import", str(tmp_path / "nope"), db=database_url, ring=ring)
    assert missing.returncode == 2 and "no such results folder" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run(
        "cases", "import", str(world.results), "--data", str(empty), db=database_url, ring=ring
    )
    assert bad.returncode == 2 and "cannot be read" in " ".join(bad.stderr.split())
    assert _counts(database_url) == (0, 0, 0)


def test_without_data_the_evidence_places_people_or_agency_is_asked(
    database_url: str, world: World, tmp_path: Path
) -> None:
    ring = tmp_path / "ring"
    done = run("cases", "import", str(world.results), db=database_url, ring=ring)
    if done.returncode == 2:  # a finding whose evidence names no agency
        assert "pass --agency" in " ".join(done.stderr.split())
        done = run("cases", "import", str(world.results), "--agency", "VA",
                   db=database_url, ring=ring)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _counts(database_url)[2] == 0  # no identifiers without the dataset


def test_a_reimport_with_data_adds_the_identifiers(
    database_url: str, world: World, tmp_path: Path
) -> None:
    ring = tmp_path / "ring"
    bare = run("cases", "import", str(world.results), "--agency", "VA", db=database_url, ring=ring)
    assert bare.returncode == 0, bare.stderr
    cases, people, values = _counts(database_url)
    assert values == 0
    full = run("cases", "import", str(world.results), "--data", str(world.data),
               db=database_url, ring=ring)  # fmt: skip
    assert full.returncode == 0 and "Cases opened: 0" in full.stdout
    assert f"protected identifiers stored: {2 * people}" in full.stdout
    assert _counts(database_url) == (cases, people, 2 * people)
