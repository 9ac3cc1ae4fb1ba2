"""The outcome report (claims.md): per agency and rule, every figure on its rung; counted
from a real store on SQLite and PostgreSQL after a walk through determinations, a debt's
payments and waiver, a contest; by the library, the CLI, the page, its downloads and the
API. Lead dollars and determined dollars are never added together."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from outcome_walk import walk
from typer.testing import CliRunner

from headcount.cases.access import Forbidden
from headcount.cases.outcomes.export import to_csv, to_data
from headcount.cases.outcomes.records import CaseRecord, DebtRecord, StoreRecords, Window
from headcount.cases.outcomes.report import (
    ALL,
    MEASURES,
    Dollars,
    build_report,
    outcome_report,
)
from headcount.cli.app import app as cli
from headcount.contract.ladder import Rung, RungMismatch

DAY = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _case(rule: str, agencies: tuple[str, ...], opened: int, **more: object) -> CaseRecord:
    return CaseRecord(rule=rule, agencies=agencies, opened=DAY + timedelta(days=opened),
                      at_risk=Decimal("1000.00"), **more)  # type: ignore[arg-type]  # fmt: skip


def _at(days: int) -> datetime:
    return DAY + timedelta(days=days)


RECORDS = StoreRecords(
    cases=[
        _case("R1", ("VA",), 0, verified_at=_at(5), determined_at=_at(40),
              outcome="improper_overpayment", cause="failure_to_verify",
              identified=Decimal("300.00"), prevented=Decimal("125.00"),
              overpayment=Decimal("300.00")),
        _case("R1", ("VA",), 0, verified_at=_at(5), determined_at=_at(60), outcome="proper",
              contested=True),
        _case("R2", ("VA", "DOD"), 30),  # names people of two agencies
        _case("R2", ("DOD",), 61, verified_at=_at(62), determined_at=_at(100),
              outcome="unknown", cause="insufficient_documentation", contested=True),
    ],
    debts=[DebtRecord("R1", "VA", received=((_at(45), Decimal("50.00")), (_at(95), Decimal("25.00"))),
                      waived=((_at(80), Decimal("10.00")),))],
    rules=("R1", "R2"),
)  # fmt: skip


def test_every_measure_has_one_rung_and_counts_at_it() -> None:
    report = build_report(RECORDS)
    total = report.row(ALL, ALL).values
    assert (total["leads"], total["verified"], total["determined"]) == (4, 3, 3)
    assert total["at_risk"] == Dollars(Rung.LEAD, Decimal("4000.00"))
    assert total["identified"] == Dollars(Rung.DETERMINED, Decimal("300.00"))
    assert total["recovered"] == Dollars(Rung.RECOVERED, Decimal("75.00"))
    assert total["waived"] == Dollars(Rung.DETERMINED, Decimal("10.00"))
    assert (total["outcome.proper"], total["cause.failure_to_verify"]) == (1, 1)
    assert total["median_days"] == Decimal("40.0")  # 40, 60 and 39 days
    assert (total["contested"], total["cleared_after_contest"]) == (2, Decimal("0.5"))
    for m in MEASURES:
        value = total[m.key]
        if isinstance(value, Dollars):
            assert value.rung is m.rung, m
    # The case naming VA and DOD people is in both agencies' rows, once in the total.
    assert (report.row("VA", "R2").values["leads"], report.row("DOD", "R2").values["leads"]) == (
        1, 2,
    )  # fmt: skip
    assert report.row(ALL, "R2").values["leads"] == 2


def test_a_period_counts_what_happened_at_each_rung_in_it() -> None:
    report = build_report(RECORDS, Window(date(2026, 4, 1), date(2026, 5, 31)))
    total = report.row(ALL, ALL).values
    # Leads of March are not April's; their determinations in April and May are, and the
    # determination of June is not.
    assert (total["leads"], total["verified"], total["determined"]) == (2, 1, 2)
    assert total["at_risk"] == Dollars(Rung.LEAD, Decimal("2000.00"))
    assert total["recovered"] == Dollars(Rung.RECOVERED, Decimal("50.00"))
    assert total["waived"] == Dollars(Rung.DETERMINED, Decimal("10.00"))
    assert total["median_days"] == Decimal("50.0")  # 40 and 60 days
    assert (total["contested"], total["cleared_after_contest"]) == (1, Decimal(1))
    assert build_report(RECORDS, Window(date(2027, 1, 1))).total.values["median_days"] is None
    nothing = build_report(StoreRecords(cases=[], debts=[], rules=()))
    assert [(r.agency, r.rule) for r in nothing.rows] == [(ALL, ALL)]
    with pytest.raises(ValueError, match="starts"):
        Window(date(2026, 5, 1), date(2026, 4, 1))


def test_lead_and_determined_dollars_are_never_added_together() -> None:
    with pytest.raises(RungMismatch, match="never added together"):
        _ = Dollars(Rung.LEAD, Decimal(1)) + Dollars(Rung.DETERMINED, Decimal(1))
    with pytest.raises(RungMismatch):
        _ = Dollars(Rung.RECOVERED, Decimal(1)) + Dollars(Rung.DETERMINED, Decimal(1))
    report = build_report(RECORDS)
    # No figure of any row is a sum across rungs: at risk (lead) plus any determined or
    # recovered dollars appears nowhere in the exports.
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert {r["rung"] for r in rows} == {"lead", "verified", "determined", "recovered"}
    checked = 0
    for row in report.rows:
        lead = row.values["at_risk"]
        assert isinstance(lead, Dollars)
        for key in ("identified", "prevented", "overpaid", "waived", "recovered"):
            other = row.values[key]
            assert isinstance(other, Dollars)
            if lead.amount and other.amount:
                mixed = f"{lead.amount + other.amount:.2f}"
                assert mixed not in {r["value"] for r in rows}, (row.agency, row.rule, key)
                checked += 1
    assert checked >= 10
    data = to_data(report)
    assert all(set(f) == {"measure", "rung", "unit", "value"}
               for r in data["rows"] for f in r["figures"])  # fmt: skip


def test_the_report_from_the_store(imported, users) -> None:
    walked = walk(imported, users)
    with imported.begin() as s:
        report = outcome_report(s, users["aud"])
        va_only = outcome_report(s, users["ana"])
        with pytest.raises(Forbidden, match="agency VA"):
            outcome_report(s, users["ana"], agency="DOD")
        with pytest.raises(Forbidden):
            outcome_report(s, users["sup"])
    total = report.row(ALL, ALL).values
    assert (total["leads"], total["verified"], total["determined"]) == (walked.leads, 2, 3)
    assert total["at_risk"] == Dollars(Rung.LEAD, walked.at_risk)
    assert (total["outcome.proper"], total["outcome.improper_overpayment"]) == (2, 1)
    assert total["cause.administrative_error_agency"] == 1
    assert total["identified"] == Dollars(Rung.DETERMINED, walked.va1_at_risk)
    assert total["prevented"] == Dollars(Rung.DETERMINED, Decimal("250.00"))
    assert total["overpaid"] == Dollars(Rung.DETERMINED, Decimal("1000.00"))
    assert total["recovered"] == Dollars(Rung.RECOVERED, Decimal("200.00"))
    assert total["waived"] == Dollars(Rung.DETERMINED, Decimal("300.00"))
    assert (total["contested"], total["cleared_after_contest"]) == (1, Decimal(1))
    assert total["median_days"] == Decimal("40.0")  # 39 (VA1), 40 and 40 days
    assert report.row("DOD", ALL).values["determined"] == 1
    assert va_only.agency == "VA"
    assert {r.agency for r in va_only.rows} == {"VA"}  # its total is the grand total
    assert va_only.total == va_only.row("VA", ALL)
    assert va_only.total.values["determined"] == 2
    # The whole store's figures are what `headcount publish` reads too.
    from headcount.publish.store import outcome_records

    with imported.begin() as s:
        records = outcome_records(s)
    assert len(records.determined) == 3 and len(records.verified) == 2
    assert sum(f.dollars.get("recovered", 0) for f in records.recovered) == Decimal("200.00")
    assert sorted(d.cause for d in records.determined) == ["", "", "administrative_error_agency"]


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["outcomes", *args])
    return result.exit_code, result.output


def test_the_cli(imported, users, database_url: str, tmp_path: Path) -> None:
    walk(imported, users)
    code, output = _cli("--database", database_url, "--format", "json", "--agency", "VA")
    assert code == 0, output
    data = json.loads(output)
    assert data["agency"] == "VA"
    total = data["rows"][-1]
    assert (total["agency"], total["rule"]) == ("VA", ALL)
    figures = {f["measure"]: f for f in total["figures"]}
    assert figures["recovered"] == {"measure": "recovered", "rung": "recovered",
                                    "unit": "dollars", "value": "200.00"}  # fmt: skip
    assert figures["waived"]["rung"] == "determined"
    assert figures["at_risk"]["rung"] == "lead"
    out = tmp_path / "outcomes.csv"
    code, output = _cli("--database", database_url, "--format", "csv", "--out", str(out))
    assert code == 0 and "Wrote the outcome report (csv)" in output, output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert {(r["agency"], r["measure"], r["value"]) for r in rows} >= {
        ("DOD", "outcome.proper", "1"), (ALL, "overpaid", "1000.00"), (ALL, "determined", "3"),
    }  # fmt: skip
    code, output = _cli("--database", database_url)
    assert code == 0, output
    assert "Dollars at risk (lead)" in " ".join(output.split())
    assert "Recovered (recovered)" in " ".join(output.split())
    today = datetime.now(UTC).date()
    code, output = _cli("--database", database_url, "--format", "json",
                        "--from", (today + timedelta(days=2)).isoformat())  # fmt: skip
    assert code == 0
    nothing = json.loads(output)["rows"]
    # Nothing happened after today: each agency's total and the grand total, all zero.
    assert [(r["agency"], r["rule"]) for r in nothing] == [("DOD", ALL), ("VA", ALL), (ALL, ALL)]
    assert {f["value"] for r in nothing for f in r["figures"]} <= {0, "0.00", None}
    code, output = _cli("--database", database_url, "--from", "2026-13-01")
    assert code == 2 and "is not a date" in output
    code, output = _cli("--database", database_url, "--from", "2026-05-01", "--to", "2026-04-01")
    assert code == 2 and "starts (2026-05-01) after it ends" in output


def test_the_page_downloads_and_api(imported, users, login) -> None:
    walk(imported, users)
    ana = login("ana")
    page = ana.get("/outcomes")
    assert page.status_code == 200
    assert "You see agency <strong>VA</strong> only" in page.text
    assert 'data-agency="DOD"' not in page.text
    assert ana.get("/outcomes", params={"agency": "DOD"}).status_code == 403
    bad = ana.get("/outcomes", params={"from": "03/01/2026"})
    assert bad.status_code == 422 and "Enter the date as YYYY-MM-DD" in bad.text
    download = ana.get("/outcomes/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="outcomes.csv"'
    assert download.text.startswith("agency,rule,measure,label,rung,unit,value")
    assert ana.get("/outcomes/xlsx").status_code == 404
    aud = login("aud")
    api = aud.get("/api/v1/outcomes").json()
    assert api == json.loads(aud.get("/outcomes/json").text)
    assert {r["agency"] for r in api["rows"]} == {"VA", "DOD", ALL}
    assert aud.get("/outcomes").status_code == 200
    assert login("sup").get("/outcomes").status_code == 403
    assert login("emp").get("/api/v1/outcomes").status_code == 403
