"""The auditors' ghost-employee tests, each on a small agency built for it: the case it must
flag, with its amount and evidence, and the look-alikes the data contract calls proper."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from builders import Agency, Results, period_end
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest import load_dataset
from headcount.pipeline.verify import verify
from headcount.rules.prepare import prepare

GROSS = Decimal("3846.15")


def run(agency: Agency) -> Results:
    agency.write()
    out = agency.folder.parent / "out"
    verify(agency.folder, out)
    return Results(out)


def flagged(results: Results, rule: str) -> dict[str, dict[str, Any]]:
    return {f["employee_ids"]: f for f in results.of(rule)}


def staff(a: Agency, ids: list[str], periods: range, agency: str = "VA") -> None:
    """Employees paid every period of `periods`, each with a timecard in each."""
    for e in ids:
        a.employee(e, agency=agency)
        for k in periods:
            a.pay(e, k)
            a.activity(e, period_end(k), "timecard")


# --- PAID_WITHOUT_ACTIVITY -----------------------------------------------------------------


def test_paid_without_activity_where_the_feed_covers_the_agency(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    staff(a, [f"E{i}" for i in range(8)], range(10))
    # Remove E0's records for periods 3..5, E1's for 4..5 (two: too few), and give E2
    # leave instead of timecards for 3..6.
    keep = []
    for row in a.rows["activity"]:
        k = next(i for i in range(10) if period_end(i) == row["date"])
        if (row["employee_id"], k in range(3, 6)) == ("E0", True):
            continue
        if (row["employee_id"], k in range(4, 6)) == ("E1", True):
            continue
        if row["employee_id"] == "E2" and k in range(3, 7):
            row = {**row, "kind": "leave"}
        keep.append(row)
    a.rows["activity"] = keep
    # An agency whose feed covers few of its staff: nobody there is judged.
    for i in range(5):
        a.employee(f"D{i}", agency="DOD")
        for k in range(10):
            a.pay(f"D{i}", k)
    a.activity("D1", period_end(2))
    results = run(a)
    found = flagged(results, "PAID_WITHOUT_ACTIVITY")
    assert set(found) == {"E0"}
    f = found["E0"]
    assert f["severity"] == "medium"
    assert f["amount_at_risk"] == 3 * GROSS
    ev = f["evidence"]
    assert [p["pay_period_end"] for p in ev["idle_periods"]] == [period_end(k) for k in (3, 4, 5)]
    assert {p["other_staff_paid"] for p in ev["idle_periods"]} == {7}
    # E1 has no record in periods 4 and 5 either: 6 of E0's 7 colleagues there.
    assert [p["other_staff_with_activity"] for p in ev["idle_periods"]] == [7, 6, 6]
    assert sum(Decimal(str(p["at_risk"])) for p in ev["payments"]) == 3 * GROSS
    assert ev["last_activity_on_record"] == period_end(9)


def test_paid_without_activity_needs_four_in_five_of_the_others(tmp_path: Path) -> None:
    """Coverage below 80% of the other paid staff: the period is not counted."""
    a = Agency(tmp_path / "ds")
    staff(a, [f"E{i}" for i in range(5)], range(6))
    # Only 3 of E0's 4 colleagues have records in periods 1..3: 75%.
    a.rows["activity"] = [
        r
        for r in a.rows["activity"]
        if not (
            r["employee_id"] == "E0" or (r["employee_id"] == "E1" and r["date"] != period_end(0))
        )
    ]
    assert run(a).of("PAID_WITHOUT_ACTIVITY") == []


# --- ACTIVITY_AFTER_SEPARATION -------------------------------------------------------------


def test_activity_after_separation(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    for e in ("E1", "E2", "E3"):
        a.employee(e, separation_date="2025-03-14")
        a.pay(e, 3)
    a.activity("E1", "2025-03-20", "badge")
    a.activity("E1", "2025-04-02", "login")
    a.activity("E2", "2025-03-14", "badge")  # on the last day: proper
    a.activity("E3", "2025-03-20", "timecard")  # paperwork, not access
    a.activity("E3", "2025-03-21", "leave")
    found = flagged(run(a), "ACTIVITY_AFTER_SEPARATION")
    assert set(found) == {"E1"}
    ev = found["E1"]["evidence"]
    assert [(r["date"], r["kind"]) for r in ev["activity"]] == [
        ("2025-03-20", "badge"),
        ("2025-04-02", "login"),
    ]
    assert ev["separation_date"] == "2025-03-14"


# --- ADDRESS_CLUSTER and PO_BOX_ADDRESS ----------------------------------------------------


def test_address_cluster_and_its_lookalikes(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    spellings = ["12 Elm Street Apt 4", "12 ELM ST. #4", "12 elm st, unit 4", "12  Elm St Apt. 4"]
    for i, (surname, line) in enumerate(
        zip(["Ames", "Bolt", "Cruz", "Bolt"], spellings, strict=True)
    ):
        a.employee(
            f"C{i}", last_name=surname, home_address=line, zip="22150-0004" if i else "22150"
        )
    # A household: six people, two surnames.
    for i in range(6):
        a.employee(f"H{i}", last_name=("Diaz", "Eng")[i % 2], home_address="7 Oak Road")
    # Neighbours: one building, different units.
    for i, surname in enumerate(["Fry", "Gold", "Hart", "Ives"]):
        a.employee(f"N{i}", last_name=surname, home_address=f"30 Pine Avenue Apt {i + 1}")
    # Four surnames, but two had left before the last pay period.
    for i, surname in enumerate(["Jay", "Kim", "Lee", "Moe"]):
        sep = "2025-01-31" if i < 2 else ""
        a.employee(f"L{i}", last_name=surname, home_address="5 Ash Lane", separation_date=sep)
    a.employee("P1", home_address="P.O. Box 77")
    a.employee("P2", home_address="120 Post Office Road")
    for e in [r["employee_id"] for r in a.rows["roster"]]:
        a.pay(e, 5)
    results = run(a)
    clusters = flagged(results, "ADDRESS_CLUSTER")
    assert set(clusters) == {"C0;C1;C2;C3"}
    ev = clusters["C0;C1;C2;C3"]["evidence"]
    assert ev["address_normalised"] == "12 ELM ST APT 4 22150"
    assert ev["surnames"] == 3
    assert [r["employee_id"] for r in ev["residents"]] == ["C0", "C1", "C2", "C3"]
    boxes = flagged(results, "PO_BOX_ADDRESS")
    assert set(boxes) == {"P1"}
    assert boxes["P1"]["severity"] == "low"
    assert boxes["P1"]["evidence"]["home_address_normalised"] == "PO BOX 77 22150"


# --- EMPLOYEE_VENDOR_MATCH -----------------------------------------------------------------


def test_employee_vendor_match(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    by_ssn = a.employee("E1")
    a.employee("E2")
    a.employee("E3", home_address="44 Birch Street Apt 2")
    a.employee("E4", home_address="44 Birch Street Apt 2", zip="22151")  # another ZIP
    a.employee("E5", home_address="60 Cedar Court Apt 9")
    for e in ("E1", "E2", "E3", "E4", "E5"):
        a.pay(e, 2)
    a.pay("E2", 3, bank_routing="021000021", bank_account="88877766")
    a.vendor("V1", tin=by_ssn["ssn"])
    a.vendor("V2", bank_routing="021000021", bank_account="88877766")
    a.vendor("V3", address="44 BIRCH ST APARTMENT 2")
    a.vendor("V4", address="60 Cedar Court Suite 10")  # another unit of E5's building
    a.vendor("V5", name="Kendall TesterE5")  # a name alone is nothing
    found = {
        (f["employee_ids"], f["evidence"]["vendor"]["vendor_id"]): f
        for f in run(a).of("EMPLOYEE_VENDOR_MATCH")
    }
    assert {k: f["severity"] for k, f in found.items()} == {
        ("E1", "V1"): "medium",
        ("E2", "V2"): "medium",
        ("E3", "V3"): "low",
    }
    assert found[("E1", "V1")]["evidence"]["tin_matches"] is True
    assert found[("E1", "V1")]["evidence"]["vendor"]["tin"].startswith("***-**-")
    assert found[("E2", "V2")]["evidence"]["payments_into_vendor_account"] == 1
    assert found[("E2", "V2")]["evidence"]["vendor"]["bank_account"] == "****7766"


# --- BANK_CHANGE_AFTER_EXIT ----------------------------------------------------------------


def test_bank_change_after_exit(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    for e in ("E1", "E2", "E3"):
        a.employee(e, separation_date="2025-02-07")
        for k in range(3):
            a.pay(e, k)
    # E1: changed after leaving, then paid into it twice (a payout and one more).
    a.change("E1", "bank_account", "021000021:99887766", old_value="021000021:500001",
             entered_at="2025-02-10T09:00:00Z", effective_date="2025-02-10", entered_by="E1",
             approved_by="")  # fmt: skip
    payout = a.pay("E1", 3, "LUMP_SUM_LEAVE", gross_pay="2000.00", bank_account="99887766")
    later = a.pay("E1", 4, bank_account="99887766")
    # E2: changed before leaving (proper); E3: changed after, never paid into.
    a.change("E2", "bank_account", "021000021:11112222", entered_at="2025-01-20T09:00:00Z")
    a.pay("E2", 3, "LUMP_SUM_LEAVE", gross_pay="2000.00", bank_account="11112222")
    a.change("E3", "bank_account", "021000021:33334444", entered_at="2025-02-12T09:00:00Z")
    found = flagged(run(a), "BANK_CHANGE_AFTER_EXIT")
    assert set(found) == {"E1"}
    f = found["E1"]
    assert f["severity"] == "high"
    assert f["amount_at_risk"] == Decimal("2000.00") + GROSS
    assert f["payment_ids"] == ";".join(sorted([payout, later]))
    ev = f["evidence"]
    assert ev["changes"][0]["new_value"] == "021000021:****7766"
    assert ev["exit_date"] == "2025-02-07"


def test_bank_change_after_a_death(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    emp = a.employee("E1")
    for k in range(6):
        a.pay("E1", k, **({"bank_account": "55554444"} if k >= 4 else {}))
    a.death(ssn=emp["ssn"], last_name=emp["last_name"], first_name=emp["first_name"],
            date_of_death="2025-02-03", date_of_birth=emp["date_of_birth"])  # fmt: skip
    a.change("E1", "bank_account", "021000021:55554444", entered_at="2025-02-24T08:00:00Z")
    results = run(a)
    f = flagged(results, "BANK_CHANGE_AFTER_EXIT")["E1"]
    assert f["amount_at_risk"] == 2 * GROSS
    assert f["evidence"]["date_of_death"] == "2025-02-03"
    assert "died on 2025-02-03" in f["summary"]


# --- SELF_APPROVED_CHANGE ------------------------------------------------------------------


def test_self_approved_change(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    for e in ("E1", "E2", "E3", "E4"):
        a.employee(e)
        a.pay(e, 1)
    keyed = a.change("E1", "annual_salary", "120000.00", old_value="100000.00", entered_by="E1")
    approved = a.change("E2", "grade", "13", old_value="12", approved_by="E2")
    one_user = a.change("E3", "separation_date", "", old_value="2025-06-30",
                        entered_by="HR7", approved_by="HR7")  # fmt: skip
    # Proper: self-service bank and address changes; a raise keyed and approved by others;
    # a field no rule judges.
    a.change("E4", "bank_account", "021000021:1234", entered_by="E4", approved_by="")
    a.change("E4", "home_address", "9 New Street", entered_by="E4", approved_by="")
    a.change("E4", "step", "4", old_value="3")
    a.change("E4", "telework_eligible", "Y", entered_by="E4", approved_by="E4")
    found = {f["evidence"]["change"]["change_id"]: f for f in run(a).of("SELF_APPROVED_CHANGE")}
    assert set(found) == {keyed, approved, one_user}
    assert found[keyed]["evidence"]["keyed_by_employee"] is True
    assert found[approved]["evidence"]["approved_by_employee"] is True
    assert found[one_user]["evidence"]["keyed_and_approved_by_one_user"] is True
    assert found[keyed]["evidence"]["change"]["new_value"] == "120000.00"


def test_change_evidence_masks_accounts_and_withholds_addresses(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    a.employee("E1", separation_date="2025-01-31")
    a.pay("E1", 2, bank_account="66665555")
    a.change("E1", "bank_account", "021000021:66665555", old_value="021000021:500001",
             entered_at="2025-02-05T09:00:00Z")  # fmt: skip
    f = run(a).of("BANK_CHANGE_AFTER_EXIT")[0]
    change = f["evidence"]["changes"][0]
    assert change["old_value"] == "021000021:****0001"
    assert "66665555" not in str(f["evidence"]) + f["summary"]


# --- PAY_SPIKE -----------------------------------------------------------------------------


def test_pay_spike_and_what_restarts_its_window(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    for e in ("E1", "E2", "E3", "E4"):
        a.employee(e)
        for k in range(8):
            a.pay(e, k)
    spike = a.pay("E1", 8, gross_pay="9000.00")
    # E2: the same jump, but a promotion took effect in that period.
    a.pay("E2", 8, gross_pay="9000.00")
    a.change("E2", "annual_salary", "234000.00", effective_date=period_end(8))
    a.pay("E2", 9, gross_pay="9000.00")
    # E3: a big award is not regular pay; E4: a spike with only three earlier payments.
    a.pay("E3", 8, "AWARD", gross_pay="9000.00")
    a.employee("E5")
    for k in range(3):
        a.pay("E5", k)
    a.pay("E5", 3, gross_pay="9000.00")
    found = flagged(run(a), "PAY_SPIKE")
    assert set(found) == {"E1"}
    f = found["E1"]
    assert f["payment_ids"] == spike
    assert f["amount_at_risk"] == Decimal("9000.00") - GROSS
    ev = f["evidence"]
    assert Decimal(str(ev["median_gross"])) == GROSS
    assert len(ev["earlier_payments"]) == 8
    assert ev["last_pay_action"] is None


def test_pay_spike_median_of_an_even_count_is_the_mean_of_the_middle_two(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    a.employee("E1")
    for k, gross in enumerate(["1000.00", "1000.01", "1000.02", "1000.03"]):
        a.pay("E1", k, gross_pay=gross)
    a.pay("E1", 4, gross_pay="3000.00")
    a.change("E1", "grade", "12", effective_date="2024-06-01")  # before every payment
    f = run(a).of("PAY_SPIKE")[0]
    # Median 1000.015 is rounded half up to the cent.
    assert f["amount_at_risk"] == Decimal("3000.00") - Decimal("1000.02")
    assert f["evidence"]["last_pay_action"] == "2024-06-01"


# --- skipped without their inputs ----------------------------------------------------------


def test_rules_without_their_input_are_skipped_and_say_why(tmp_path: Path) -> None:
    a = Agency(tmp_path / "ds")
    a.employee("E1", home_address="PO Box 5")
    a.pay("E1", 0)
    results = run(a)
    skipped = results.summary["rules"]["skipped"]
    for rule, needs in (
        ("PAID_WITHOUT_ACTIVITY", "activity"),
        ("ACTIVITY_AFTER_SEPARATION", "activity"),
        ("EMPLOYEE_VENDOR_MATCH", "vendors"),
        ("BANK_CHANGE_AFTER_EXIT", "hr_changes"),
        ("SELF_APPROVED_CHANGE", "hr_changes"),
        ("PAY_SPIKE", "hr_changes"),
    ):
        assert skipped[rule] == f"needs {needs}", rule
    ran = results.summary["rules"]["ran"]
    assert "ADDRESS_CLUSTER" in ran and "PO_BOX_ADDRESS" in ran
    assert [f["employee_ids"] for f in results.of("PO_BOX_ADDRESS")] == ["E1"]


# --- corroborated deaths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "corroborated"),
    [
        ({"source": "STATE", "date_of_death": "2025-02-08"}, True),  # 7 days apart
        ({"source": "STATE", "date_of_death": "2025-02-09"}, False),  # 8 days apart
        ({"source": "ssa ", "date_of_death": "2025-02-01"}, False),  # the same source
        (None, False),
    ],
)
def test_corroborated_deaths(
    tmp_path: Path, second: dict[str, str] | None, corroborated: bool
) -> None:
    a = Agency(tmp_path / "ds")
    emp = a.employee("E1")
    for k in range(8):
        a.pay("E1", k)
    record = {"ssn": emp["ssn"], "last_name": emp["last_name"], "first_name": emp["first_name"],
              "date_of_birth": emp["date_of_birth"]}  # fmt: skip
    a.death(**record, date_of_death="2025-02-01", source="SSA")
    if second:
        a.death(**record, **second)
    results = run(a)
    f = results.of("PAID_AFTER_DEATH")[0]
    records = f["evidence"]["death_records"]
    assert {r["source"] for r in records} == {"SSA"} | (
        {second["source"].strip()} if second else set()
    )
    assert f["evidence"]["death_record"]["corroborated"] is corroborated
    assert all(r["corroborated"] is corroborated for r in records if r["source"] == "SSA")
    assert ("SSA must confirm it before pay stops" in f["summary"]) is not corroborated
    against = results.payees["E1"]["evidence_against"].split(";")
    assert against[0] == f"death_record:{'corroborated' if corroborated else 'uncorroborated'}"
    assert "PAID_AFTER_DEATH" in against


def test_an_ssn_repeated_down_a_death_file_corroborates_nothing(tmp_path: Path) -> None:
    """A placeholder SSN on thousands of records from two sources (a skewed block: pairing
    them would be quadratic) corroborates none of them; a real person's two records still
    corroborate each other."""
    a = Agency(tmp_path / "ds")
    emp = a.employee("E1")
    for k in range(8):
        a.pay("E1", k)
    record = {"ssn": emp["ssn"], "last_name": emp["last_name"], "first_name": emp["first_name"],
              "date_of_birth": emp["date_of_birth"]}  # fmt: skip
    a.death(**record, date_of_death="2025-02-01", source="SSA")
    a.death(**record, date_of_death="2025-02-03", source="STATE")
    for n in range(3000):
        a.death(ssn="123-45-6789", last_name=f"Doe{n}", first_name="Jan",
                date_of_birth="1950-01-01", date_of_death="2025-02-01",
                source="SSA" if n % 2 else "STATE")  # fmt: skip
    engine = DuckDBEngine(duckdb.connect())
    load_dataset(a.write(), engine.con)
    prepare(engine)
    rows = engine.con.execute(
        "SELECT d.ssn, count(*) FROM corroborated_deaths c "
        "JOIN deaths d ON d.source = c.source AND d._row = c._row GROUP BY d.ssn"
    ).fetchall()
    assert rows == [(emp["ssn"].replace("-", ""), 2)]
    f = run(a).of("PAID_AFTER_DEATH")[0]
    assert f["evidence"]["death_record"]["corroborated"] is True


def test_dates_of_death_are_in_evidence_as_dates(tmp_path: Path) -> None:
    """A reviewer reads the record as written: the date, its source and row."""
    a = Agency(tmp_path / "ds")
    emp = a.employee("E1")
    a.pay("E1", 6)
    a.death(ssn=emp["ssn"], last_name=emp["last_name"], first_name=emp["first_name"],
            date_of_death="2025-01-15")  # fmt: skip
    record = run(a).of("PAID_AFTER_DEATH")[0]["evidence"]["death_record"]
    assert (record["source"], record["row"], record["date_of_death"]) == (
        "deaths.csv",
        1,
        dt.date(2025, 1, 15).isoformat(),
    )
