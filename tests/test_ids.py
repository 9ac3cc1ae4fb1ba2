"""Ids never travel as `;`-separated text inside headcount, and an id that would split or
pass for another is refused at ingest (issue 10, item 2).

The attack: a payroll row with employee_id `ZZ999;E0000005` became a PAYEE_NOT_IN_ROSTER
finding whose `employee_ids` text split back into ZZ999 and the real employee E0000005,
and `cases import` stored his SSN and account for the case.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from builders import Agency
from headcount.contract.findings import Severity
from headcount.contract.ids import ID_COLUMNS, SEPARATOR, id_problem, join_ids, split_ids
from headcount.contract.tables import TABLES
from headcount.ingest import DatasetError
from headcount.ingest.typed import refused_id_sql
from headcount.migrations import upgrade
from headcount.pipeline.findings import Finding, contract_table, findings_table
from headcount.report import render_report
from test_cli import headcount
from test_ingest_support import load, make_dataset, refused
from test_report_html import findings_table as contract_rows

INNOCENT = "E0000005"
ATTACK = f"ZZ999;{INNOCENT}"

# Characters an id may not hold, each with what the message says about it.
BAD_IDS = {
    "separator": (ATTACK, "contains ';', which headcount uses to separate ids in its outputs"),
    "newline": ("E00\n00005", "line break"),
    "tab": ("E00\t00005", "control character"),
    "line separator": ("E00\u202800005", "line break"),
    "zero-width space": (INNOCENT + "\u200b", "invisible character"),
    "byte-order mark": ("\ufeff" + INNOCENT, "invisible character"),
    "right-to-left override": ("\u202e5000000E", "invisible character"),
    "trailing no-break space": (INNOCENT + "\u00a0", "begins or ends with a space"),
    "leading em space": ("\u2003" + INNOCENT, "begins or ends with a space"),
}


def _agency(folder: Path) -> Agency:
    agency = Agency(folder)
    for employee_id in (INNOCENT, "E0000006"):
        agency.employee(employee_id)
        agency.pay_periods(employee_id, range(0, 4))
    return agency


# --- the attack, through the real command line -------------------------------------------


def test_a_semicolon_in_a_payroll_employee_id_is_refused_naming_the_row(tmp_path: Path) -> None:
    agency = _agency(tmp_path / "agency")
    agency.pay(ATTACK, 2, payee_name="MALLORY")  # the ninth payroll row
    agency.write()
    out = tmp_path / "out"
    done = headcount("verify", str(agency.folder), "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert (
        "payroll.csv, row 9, column employee_id: employee_id 'ZZ999;E0000005' contains ';', "
        "which headcount uses to separate ids in its outputs" in message
    ), message
    assert "Nothing was written" in message and "Traceback" not in message
    assert not out.exists()


def test_an_appended_tail_with_a_semicolon_id_leaves_the_state_as_it_was(tmp_path: Path) -> None:
    agency = _agency(tmp_path / "agency")
    agency.write()
    state, out = tmp_path / "state", tmp_path / "out"
    first = headcount("verify", str(agency.folder), "--out", str(out), "--state", str(state))
    assert first.returncode == 0, first.stderr
    stored = (state / "state.duckdb").read_bytes()
    written = (out / "findings.csv").read_bytes()
    payroll = agency.folder / "payroll.csv"
    rows_before = len(payroll.read_text(encoding="utf-8").splitlines()) - 1
    with payroll.open("a", newline="", encoding="utf-8") as fh:
        row = {**agency.rows["payroll"][0], "payment_id": "P900001", "employee_id": ATTACK}
        csv.DictWriter(fh, fieldnames=list(row), lineterminator="\n").writerow(row)

    done = headcount("verify", str(agency.folder), "--out", str(out), "--state", str(state))
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert f"payroll.csv, row {rows_before + 1}, column employee_id:" in message, message
    assert "contains ';'" in message
    assert (state / "state.duckdb").read_bytes() == stored
    assert (out / "findings.csv").read_bytes() == written


# --- ingest: every id column, every refused character --------------------------------------

ID_CELLS = [(t.name, c) for t in TABLES for c in t.column_names if c in ID_COLUMNS]


def test_every_id_column_of_the_contract_is_checked() -> None:
    assert sorted(ID_CELLS) == [
        ("activity", "employee_id"),
        ("campaigns", "campaign_id"),
        ("checkins", "campaign_id"),
        ("checkins", "employee_id"),
        ("hr_changes", "employee_id"),
        ("payroll", "employee_id"),
        ("payroll", "payment_id"),
        ("roster", "employee_id"),
        ("roster", "supervisor_id"),
    ]


@pytest.mark.parametrize(("table", "column"), ID_CELLS)
def test_each_id_column_refuses_a_separator(tmp_path: Path, table: str, column: str) -> None:
    bad = {column: ATTACK}
    keys = {"roster": "employee_id", "payroll": "payment_id", "hr_changes": "change_id"}
    if table in keys:  # a table with a unique key: two rows need two keys
        key = keys[table]
        rows = [{key: f"{key}-1"}, {key: f"{key}-2", **bad}]
        folder = make_dataset(tmp_path / "ds", **{table: rows})
    else:
        folder = make_dataset(tmp_path / "ds", **{table: [{}, bad]})
    error = refused(folder)
    assert (error.file, error.row, error.column) == (f"{table}.csv", 2, column)
    assert f"{column} 'ZZ999;E0000005' contains ';'" in error.problem


@pytest.mark.parametrize("kind", list(BAD_IDS))
def test_characters_that_split_or_disguise_an_id_are_refused(tmp_path: Path, kind: str) -> None:
    value, words = BAD_IDS[kind]
    folder = make_dataset(tmp_path / "ds", payroll=[{"payment_id": "P1", "employee_id": value}])
    error = refused(folder)
    assert (error.file, error.row, error.column) == ("payroll.csv", 1, "employee_id")
    assert words in error.problem
    assert "\n" not in str(error) and "\t" not in str(error)


def test_the_earliest_bad_row_is_named_whichever_column_it_is_in(tmp_path: Path) -> None:
    folder = make_dataset(
        tmp_path / "ds",
        payroll=[
            {"payment_id": "P1"},
            {"payment_id": "P;2"},
            {"payment_id": "P3", "employee_id": "E;1"},
        ],
    )
    error = refused(folder)
    assert (error.row, error.column) == (2, "payment_id")


def test_ids_that_are_only_unusual_are_data(tmp_path: Path) -> None:
    odd = ["AB 123", "e-1.2/3", "Émile#7", "A\u00a0B", "名前-9"]
    roster = [{"employee_id": e, "ssn": f"900-00-000{i}"} for i, e in enumerate(odd, 1)]
    # Blanks around an id are trimmed, as for any text cell, so the payee is the employee.
    payroll = [{"payment_id": "P1", "employee_id": f"  {odd[0]}\t"}]
    con, _ = load(make_dataset(tmp_path / "ds", roster=roster, payroll=payroll))
    assert [
        r[0] for r in con.execute("SELECT employee_id FROM roster ORDER BY _row").fetchall()
    ] == odd
    assert con.execute("SELECT employee_id FROM payroll").fetchall() == [(odd[0],)]


def test_a_campaign_roster_is_checked_the_same_way(tmp_path: Path) -> None:
    from headcount.checkins.roster import read_roster

    folder = make_dataset(tmp_path / "ds", roster=[{"employee_id": ATTACK}])
    with pytest.raises(DatasetError, match="contains ';'"):
        list(read_roster(folder, active_on=date(2025, 3, 1)))


# --- one definition, in SQL and in Python --------------------------------------------------

INTERESTING = [";", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\u00a0", "\u00ad",
               "\u061c", "\u1680", "\u180e", "\u2000", "\u200a", "\u200b", "\u200f", "\u2028",
               "\u202e", "\u202f", "\u205f", "\u2060", "\u2066", "\u206f", "\u3000", "\ufeff",
               " ", "a", "Z", "7", "-", "_", ".", "é", "名"]  # fmt: skip
ID_TEXT = st.text(
    st.sampled_from(INTERESTING) | st.characters(exclude_categories=["Cs"]), min_size=1
)


@given(st.lists(ID_TEXT, min_size=1, max_size=20))
def test_ingest_sql_and_python_refuse_the_same_ids(values: list[str]) -> None:
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(values, pa.string())}))
    got = [bool(r[0]) for r in con.execute(f"SELECT {refused_id_sql('v')} FROM t").fetchall()]
    assert got == [id_problem(v) is not None for v in values]


GOOD_ID = ID_TEXT.filter(lambda v: id_problem(v) is None)


@given(st.lists(GOOD_ID, max_size=6))
def test_split_ids_gives_back_exactly_what_join_ids_wrote(ids: list[str]) -> None:
    assert split_ids(join_ids(ids)) == tuple(ids)


@given(st.lists(GOOD_ID, min_size=1, max_size=4), st.data())
def test_join_ids_refuses_an_id_split_ids_could_not_give_back(
    ids: list[str], data: st.DataObject
) -> None:
    bad = data.draw(st.sampled_from([v for v, _ in BAD_IDS.values()] + [""]))
    at = data.draw(st.integers(0, len(ids)))
    with pytest.raises(ValueError, match=f"id {at + 1} of {len(ids) + 1} "):
        join_ids([*ids[:at], bad, *ids[at:]])


@pytest.mark.parametrize(
    "text", [";", "E1;", ";E1", "E1;;E2", "E1; E2", "E1 ;E2", "E1;E2\n", "E1;\u200bE2"]
)
def test_split_ids_refuses_text_join_ids_cannot_have_written(text: str) -> None:
    with pytest.raises(ValueError, match=r"id [0-9]+ of"):
        split_ids(text)


def test_the_written_table_joins_ids_and_refuses_one_with_the_separator() -> None:
    def finding(employee_ids: tuple[str, ...]) -> Finding:
        return Finding("HC-000000000001", "PAYEE_NOT_IN_ROSTER", Severity.HIGH, employee_ids,
                       ("P1", "P2"), Decimal("1.00"), "s", {})  # fmt: skip

    table = findings_table([finding(("E1", "E2"))])
    assert table.column("employee_ids").to_pylist() == [["E1", "E2"]]
    written = contract_table(table)
    assert written.column("employee_ids").to_pylist() == [f"E1{SEPARATOR}E2"]
    assert written.column("payment_ids").to_pylist() == ["P1;P2"]
    with pytest.raises(ValueError, match="contains ';'"):
        contract_table(findings_table([finding((ATTACK,))]))


def test_the_report_reads_id_lists_and_contract_text_alike() -> None:
    text = contract_rows()
    lists = text.set_column(
        text.schema.get_field_index("employee_ids"),
        "employee_ids",
        pa.array([list(split_ids(v)) for v in text.column("employee_ids").to_pylist()]),
    )
    lists = lists.set_column(
        lists.schema.get_field_index("payment_ids"),
        "payment_ids",
        pa.array([list(split_ids(v)) for v in text.column("payment_ids").to_pylist()]),
    )
    assert render_report(lists, {}) == render_report(text, {})


# --- cases import: who a finding names is never split out of a text -----------------------


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An agency whose unknown payee is ZZ999, and its verify results."""
    from headcount.pipeline.verify import verify

    root = tmp_path_factory.mktemp("ids")
    agency = _agency(root / "agency")
    agency.pay("ZZ999", 2, payee_name="MALLORY")
    data = agency.write()
    verify(data, root / "results")
    return data, root / "results"


def _rewrite(path: Path, change: Callable[[dict[str, str]], None]) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        change(row)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _as_before_the_fix(row: dict[str, str]) -> None:
    """What verify wrote for the attack row before ingest refused it."""
    for column in ("employee_ids", "employee_id"):
        if row.get(column) == "ZZ999":
            row[column] = ATTACK


def _no_employee_list(folder: Path) -> None:
    (folder / "finding_employees.csv").unlink()
    _rewrite(folder / "findings.csv", _as_before_the_fix)


def _attack_in_both_files(folder: Path) -> None:
    _rewrite(folder / "findings.csv", _as_before_the_fix)
    _rewrite(folder / "finding_employees.csv", _as_before_the_fix)


def _attack_in_findings_only(folder: Path) -> None:
    _rewrite(folder / "findings.csv", _as_before_the_fix)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_no_employee_list, "finding_employees.csv: missing"),
        (_attack_in_both_files, "column employee_id: employee_id contains ';'"),
        (_attack_in_findings_only, "column employee_ids: is not the employees"),
    ],
)
def test_the_importer_cannot_split_ids_into_an_innocent_persons(
    results: tuple[Path, Path], tmp_path: Path, edit: Callable[[Path], None], message: str
) -> None:
    from headcount.cases.importer import ImportFileError, import_results
    from headcount.cases.models import Person
    from headcount.pii import Keyring, PiiValue
    from headcount.store import Store

    data, original = results
    folder = tmp_path / "results"
    shutil.copytree(original, folder)
    edit(folder)
    store = Store.open(f"sqlite:///{tmp_path / 'cases.db'}")
    upgrade(store)
    try:
        keyring = Keyring.load(tmp_path / "ring")
        with pytest.raises(ImportFileError, match=message):
            import_results(store, folder, actor="cli:test", keyring=keyring, data=data, agency="VA")
        with store.begin() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0
            assert s.scalar(select(func.count()).select_from(PiiValue)) == 0
        # The same results as verify wrote them name the payee, never the employee.
        imported = import_results(
            store, original, actor="cli:test", keyring=keyring, data=data, agency="VA"
        )
        assert imported.new_cases >= 1
        with store.begin() as s:
            people = set(s.scalars(select(Person.employee_id)))
        assert "ZZ999" in people and INNOCENT not in people
    finally:
        store.close()


def test_finding_employees_lists_each_id_of_findings_csv(results: tuple[Path, Path]) -> None:
    _, folder = results
    with (folder / "finding_employees.csv").open(newline="", encoding="utf-8") as fh:
        listed: dict[str, list[str]] = {}
        for row in csv.DictReader(fh):
            listed.setdefault(row["finding_id"], []).append(row["employee_id"])
    with (folder / "findings.csv").open(newline="", encoding="utf-8") as fh:
        findings = list(csv.DictReader(fh))
    assert findings
    for f in findings:
        assert join_ids(listed.get(f["finding_id"], [])) == f["employee_ids"]
    assert set(listed) <= {f["finding_id"] for f in findings}
