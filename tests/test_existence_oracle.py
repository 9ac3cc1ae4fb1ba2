"""The non-response question on agencies unlike the synthetic generator's, checked against an
independent count.

Hypothesis draws small agencies whose every employee sits somewhere random on each boundary
the analysis uses (hired or separated around the send date, paid for the covering period or
a neighbouring one, tax or retirement not withheld, activity at any distance from the send
date, an own, shared, never-issued or missing SSN, a death record, a reply by employee id or
only by an e-mail address in any letter case, or none), across two agencies and two
campaigns sent on different dates. `verify` runs on each, and existence.csv must equal what
this file counts in plain Python from the same rows and findings.csv: a second reading of the
definitions in claims.md, written apart from the SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import Agency, Results, period_end
from headcount.matching.ssn import is_issuable

pytestmark = pytest.mark.slow

# Campaign, agency, send date: C2 goes to one agency only, four weeks later.
CAMPAIGNS = (
    ("C1", "VA", dt.date(2025, 2, 22)),
    ("C1", "DOI", dt.date(2025, 2, 22)),
    ("C2", "VA", dt.date(2025, 3, 22)),
)
SEND_DAYS = sorted({sent for _, _, sent in CAMPAIGNS})
WINDOW = dt.timedelta(days=14)


@dataclass(frozen=True)
class Person:
    agency: str
    hired: int | None  # days from the first send date; None: no hire date
    separated: int | None
    ssn: str  # own, shared, invalid, none
    periods: tuple[tuple[int, str, bool, bool], ...]  # period, type, tax, retirement
    activity: tuple[int, ...]  # days from the first send date
    reply: tuple[tuple[str, str], ...]  # campaign, how (id, email, EMAIL)
    dead: bool


people = st.builds(
    Person,
    agency=st.sampled_from(["VA", "DOI"]),
    hired=st.one_of(st.none(), st.integers(-400, 40)),
    separated=st.one_of(st.none(), st.integers(-30, 60)),
    ssn=st.sampled_from(["own", "own", "own", "shared", "invalid", "none"]),
    periods=st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from(["REGULAR", "REGULAR", "AWARD"]),
            st.booleans(),
            st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    activity=st.lists(st.integers(-20, 50), max_size=3).map(tuple),
    reply=st.lists(
        st.tuples(st.sampled_from(["C1", "C2"]), st.sampled_from(["id", "email", "EMAIL"])),
        max_size=2,
    ).map(tuple),
    dead=st.booleans(),
)


def _day(offset: int | None) -> str:
    return "" if offset is None else (SEND_DAYS[0] + dt.timedelta(days=offset)).isoformat()


def _build(agency: Agency, staff: list[Person]) -> None:
    for cid, ag, sent in CAMPAIGNS:
        agency.campaign(cid, ag, sent_at=f"{sent.isoformat()}T16:45:00Z")
    ssns: list[str] = []
    for i, p in enumerate(staff):
        eid = f"E{i:02d}"
        fields: dict[str, Any] = {"agency": p.agency, "hire_date": _day(p.hired)}
        fields["separation_date"] = _day(p.separated)
        if p.ssn == "shared" and ssns:
            fields["ssn"] = ssns[0]
        elif p.ssn == "invalid":
            fields["ssn"] = f"000-{i + 10:02d}-4321"
        elif p.ssn == "none":
            fields["ssn"] = ""
        row = agency.employee(eid, **fields)
        if row["ssn"]:
            ssns.append(row["ssn"])
        for period, kind, tax, retirement in p.periods:
            money = {"federal_tax": "0.00"} if not tax else {}
            money |= {"retirement": "0.00"} if not retirement else {}
            agency.pay(eid, period, kind, **money)
        for offset in p.activity:
            agency.activity(eid, _day(offset))
        for cid, how in p.reply:
            text = f"{eid} closed {len(how) + i} tickets for campaign {cid} this week."
            if how == "id":
                agency.checkin(eid, text, campaign_id=cid)
            else:
                email = row["work_email"].upper() if how == "EMAIL" else row["work_email"]
                agency.checkin("", text, campaign_id=cid, work_email=email)
        if p.dead:
            agency.death(
                ssn=row["ssn"], first_name=row["first_name"], last_name=row["last_name"],
                date_of_birth=row["date_of_birth"], date_of_death=_day(-60),
            )  # fmt: skip
    # Always a check-in file (one reply from nobody on the roster: attributed to no one) and
    # a death file (one record of nobody on the roster), so every evidence is checked.
    agency.checkin("X99", "Someone not on the roster wrote in about their week as well.")
    agency.death(ssn="219-09-9999", first_name="Nobody", last_name="Onroster",
                 date_of_birth="1931-05-05", date_of_death="2024-12-01")  # fmt: skip


def _expected(agency: Agency, results: Results) -> dict[tuple[str, str], dict[str, int]]:
    """existence.csv's counts, from the rows as written and the findings verify wrote."""
    roster = agency.rows["roster"]
    ids = {r["employee_id"] for r in roster}
    emails: dict[str, list[str]] = {}
    for r in roster:
        emails.setdefault(r["work_email"].lower(), []).append(r["employee_id"])
    replied: set[tuple[str, str]] = set()
    for c in agency.rows.get("checkins", []):
        if c["employee_id"] in ids:
            replied.add((c["campaign_id"], c["employee_id"]))
        elif not c["employee_id"] and len(emails.get(c["work_email"].lower(), [])) == 1:
            replied.add((c["campaign_id"], emails[c["work_email"].lower()][0]))
    flagged = {
        e
        for f in results.findings
        if f["severity"] in ("high", "medium")
        for e in f["employee_ids"].split(";")
    }
    ssn_count: dict[str, int] = {}
    for r in roster:
        if r["ssn"]:
            ssn_count[r["ssn"]] = ssn_count.get(r["ssn"], 0) + 1
    dead = {(d["ssn"], d["last_name"]) for d in agency.rows.get("deaths", [])}
    out: dict[tuple[str, str], dict[str, int]] = {}
    for cid, ag, sent in CAMPAIGNS:
        counts = out.setdefault((cid, ag), {})
        for r in roster:
            eid = r["employee_id"]
            hired = not r["hire_date"] or dt.date.fromisoformat(r["hire_date"]) <= sent
            left = r["separation_date"] and dt.date.fromisoformat(r["separation_date"]) < sent
            if r["agency"] != ag or not hired or left:
                continue
            activity = any(
                abs(dt.date.fromisoformat(a["date"]) - sent) <= WINDOW
                for a in agency.rows.get("activity", [])
                if a["employee_id"] == eid
            )
            regular_pay = any(
                p["payment_type"] == "REGULAR"
                and float(p["federal_tax"]) > 0
                and float(p["retirement"]) > 0
                and sent
                <= dt.date.fromisoformat(p["pay_period_end"])
                <= sent + dt.timedelta(days=13)
                for p in agency.rows.get("payroll", [])
                if p["employee_id"] == eid
            )
            hr_record = (
                bool(r["ssn"])
                and is_issuable(r["ssn"].replace("-", ""))
                and ssn_count[r["ssn"]] == 1
                and (r["ssn"], r["last_name"]) not in dead
            )
            group = "replied" if (cid, eid) in replied else "did_not_reply"
            seen = {
                "employees": True,
                "activity": activity,
                "regular_pay": regular_pay,
                "hr_record": hr_record,
                "any_evidence": activity or regular_pay or hr_record,
                "with_finding": eid in flagged,
            }
            for column, yes in seen.items():
                key = f"{group}_{column}"
                counts[key] = counts.get(key, 0) + int(yes)
    return out


def _written(results: Results) -> dict[tuple[str, str], dict[str, int]]:
    with (results.out / "existence.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns = [
        f"{g}_{c}"
        for g in ("replied", "did_not_reply")
        for c in (
            "employees",
            "activity",
            "regular_pay",
            "hr_record",
            "any_evidence",
            "with_finding",
        )
    ]
    return {
        # Blank is "not checked" (no activity file): counted as none, like a zero.
        (r["campaign_id"], r["agency"]): {c: int(r[c]) for c in columns if r[c] not in ("", "0")}
        for r in rows
    }


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(staff=st.lists(people, min_size=3, max_size=12))
def test_existence_matches_an_independent_count(
    staff: list[Person], tmp_path: Path, run_verify: Callable[..., Results]
) -> None:
    folder = tmp_path / "agency"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(tmp_path / "results", ignore_errors=True)
    agency = Agency(folder)
    _build(agency, staff)
    results = run_verify(agency)
    expected = {
        key: {c: n for c, n in v.items() if n} for key, v in _expected(agency, results).items()
    }
    written = _written(results)
    for key in set(expected) | set(written):
        assert written.get(key, {}) == expected.get(key, {}), key


def test_the_oracle_sees_what_it_should(tmp_path: Path, run_verify: Callable[..., Results]) -> None:
    # One fixed agency, so a broken oracle (counting nothing, say) cannot agree by accident.
    staff = [
        Person(
            "VA", -300, None, "own", ((3, "REGULAR", True, True),), (0,), (("C1", "EMAIL"),), False
        ),
        Person("VA", -300, None, "invalid", ((5, "REGULAR", True, True),), (28,), (), False),
        Person("VA", -300, None, "own", ((3, "REGULAR", True, False),), (), (), True),
        Person("DOI", -300, 10, "own", (), (-15,), (("C1", "id"),), False),
    ]
    agency = Agency(tmp_path / "agency")
    _build(agency, staff)
    results = run_verify(agency)
    expected = _expected(agency, results)
    assert expected[("C1", "VA")]["replied_regular_pay"] == 1
    assert expected[("C1", "VA")]["did_not_reply_hr_record"] == 0
    assert expected[("C2", "VA")]["did_not_reply_activity"] == 1  # E01, 28 days on: 6 after C2
    assert expected[("C1", "DOI")]["replied_activity"] == 0  # 15 days before: outside
    assert _written(results) == {k: {c: n for c, n in v.items() if n} for k, v in expected.items()}
    assert period_end(3) == "2025-02-22"
