"""The synthetic agency: determinism, contract format, and planted truth checked independently.

The reference checks below re-implement the contract's rules in plain DuckDB SQL over the
generated files (not over the generator's internals), so truth.json is confirmed from the
outside: every high/medium finding is planted, and every plant is found with its dollars.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pytest

from headcount.contract.tables import TABLES_BY_NAME
from headcount.synth import SynthResult, generate

CSV_FILES = (
    "roster", "payroll", "deaths", "campaigns", "checkins", "activity", "hr_changes", "vendors",
)  # fmt: skip
SENT = "DATE '2025-02-22'"
VOIDED = ("078051120", "219099999", *(f"98765432{d}" for d in range(10)))

Finding = tuple[str, str, tuple[str, ...], tuple[str, ...], Decimal]


# --- helpers ---------------------------------------------------------------------------------
def truth_of(result: SynthResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.truth_path.read_text(encoding="utf-8"))
    return data


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    """Load the dataset as text, then type the few columns the checks need."""
    con = duckdb.connect()
    for name in CSV_FILES:
        path = folder / f"{name}.csv"
        if path.exists():
            con.execute(
                f"CREATE TABLE raw_{name} AS SELECT * FROM read_csv('{path}', header=true, "
                "all_varchar=true, quote='\"', escape='\"')"
            )
    con.execute("""
        CREATE TABLE r AS SELECT employee_id, regexp_replace(ssn, '[^0-9]', '', 'g') AS ssn,
            lower(trim(first_name)) AS fn, lower(trim(last_name)) AS ln,
            CAST(date_of_birth AS DATE) AS dob, CAST(separation_date AS DATE) AS sep,
            pay_plan, CAST(annual_salary AS DECIMAL(18,2)) AS salary,
            lower(trim(home_address)) AS addr, agency, city, zip, work_email AS email,
            supervisor_id AS sup
        FROM raw_roster;
        CREATE TABLE pay AS SELECT payment_id, CAST(pay_period_end AS DATE) AS ppe,
            CAST(pay_period_end AS DATE) - 13 AS pstart, payment_type AS ptype, employee_id,
            regexp_replace(ssn, '[^0-9]', '', 'g') AS ssn,
            CAST(gross_pay AS DECIMAL(18,2)) AS gross, CAST(net_pay AS DECIMAL(18,2)) AS net,
            CAST(federal_tax AS DECIMAL(18,2)) AS fed, CAST(retirement AS DECIMAL(18,2)) AS ret,
            CAST(health_benefits AS DECIMAL(18,2)) AS health, bank_routing, bank_account
        FROM raw_payroll;
    """)
    names_csv = resources.files("nicknames").joinpath("names.csv")
    con.execute(f"""
        CREATE TABLE nick AS
        SELECT lower(name1) AS a, lower(name2) AS b FROM read_csv('{names_csv}', header=true)
        UNION SELECT lower(name2), lower(name1) FROM read_csv('{names_csv}', header=true)
    """)
    if (folder / "deaths.csv").exists():
        con.execute("""
            CREATE TABLE d AS SELECT regexp_replace(ssn, '[^0-9]', '', 'g') AS ssn,
                lower(trim(first_name)) AS fn, lower(trim(last_name)) AS ln,
                CASE WHEN date_of_death IS NULL THEN NULL
                     WHEN substr(date_of_death, 6, 2) = '00'
                         THEN make_date(CAST(substr(date_of_death, 1, 4) AS INT), 12, 31)
                     WHEN substr(date_of_death, 9, 2) = '00'
                         THEN last_day(make_date(CAST(substr(date_of_death, 1, 4) AS INT),
                                                 CAST(substr(date_of_death, 6, 2) AS INT), 1))
                     ELSE CAST(date_of_death AS DATE) END AS dod,
                CASE WHEN date_of_birth IS NULL OR date_of_birth LIKE '%-00%' THEN NULL
                     ELSE CAST(date_of_birth AS DATE) END AS dob
            FROM raw_deaths;
            CREATE TABLE dm AS SELECT r.employee_id, d.dod,
                CAST(d.ln = r.ln OR damerau_levenshtein(d.ln, r.ln) <= 1 AS INT)
                + CAST(d.fn = r.fn OR damerau_levenshtein(d.fn, r.fn) <= 1
                       OR EXISTS (SELECT 1 FROM nick WHERE nick.a = r.fn AND nick.b = d.fn) AS INT)
                + CAST(coalesce(d.dob = r.dob, false) AS INT) AS agree
            FROM d JOIN r ON d.ssn = r.ssn;
        """)
    return con


def ids(value: str | None) -> tuple[str, ...]:
    return tuple(sorted(set(value.split(";")))) if value else ()


# The rules written out independently below (the others are checked against truth by
# tests/test_end_to_end.py through `verify`).
REFERENCE_RULES = {
    "PAID_AFTER_DEATH", "DEATH_RECORD_CONFLICT", "PAID_AFTER_SEPARATION", "PAYEE_NOT_IN_ROSTER",
    "DUPLICATE_SSN", "SHARED_BANK_ACCOUNT", "INVALID_SSN", "DUPLICATE_PAYMENT", "NO_WITHHOLDING",
    "IDENTITY_MISMATCH", "PAY_ABOVE_CAP", "CHECKIN_FROM_INACTIVE", "CHECKIN_TEMPLATE",
    "POSSIBLE_DEATH_MATCH", "DUPLICATE_PERSON", "ACTIVITY_AFTER_SEPARATION", "SELF_APPROVED_CHANGE",
    "PO_BOX_ADDRESS", "PAY_SPIKE",
}  # fmt: skip


def reference_findings(folder: Path) -> list[Finding]:
    """The contract's rules, written independently in SQL (one row per finding)."""
    con = connect(folder)
    queries = {
        "PAID_AFTER_DEATH": """
            SELECT 'high', p.employee_id, string_agg(DISTINCT p.payment_id, ';'), sum(p.gross)
            FROM pay p JOIN (SELECT employee_id, max(dod) AS dod FROM dm WHERE agree >= 2
                             GROUP BY ALL) m USING (employee_id)
            WHERE p.ptype = 'REGULAR' AND p.pstart > m.dod GROUP BY ALL""",
        "DEATH_RECORD_CONFLICT": """
            SELECT 'low', employee_id, NULL, 0 FROM dm WHERE agree < 2 GROUP BY ALL""",
        "PAID_AFTER_SEPARATION": """
            SELECT 'high', p.employee_id, string_agg(p.payment_id, ';'), sum(p.gross)
            FROM pay p JOIN r USING (employee_id)
            WHERE p.ptype = 'REGULAR' AND p.pstart > r.sep GROUP BY ALL""",
        "PAYEE_NOT_IN_ROSTER": """
            SELECT 'high', employee_id, string_agg(payment_id, ';'), sum(gross) FROM pay
            WHERE employee_id NOT IN (SELECT employee_id FROM r) GROUP BY ALL""",
        "DUPLICATE_SSN": """
            SELECT 'high', string_agg(employee_id, ';'), NULL, 0 FROM r GROUP BY ssn
            HAVING count(DISTINCT employee_id) > 1""",
        "SHARED_BANK_ACCOUNT": """
            SELECT CASE WHEN count(DISTINCT r.ln) = 1 AND count(DISTINCT r.addr) = 1
                        THEN 'low' ELSE 'medium' END,
                   string_agg(DISTINCT p.employee_id, ';'), NULL, 0
            FROM pay p JOIN r USING (employee_id) GROUP BY p.bank_routing, p.bank_account
            HAVING count(DISTINCT p.employee_id) > 1""",
        "INVALID_SSN": f"""
            SELECT 'medium', employee_id, NULL, 0 FROM r
            WHERE length(ssn) <> 9 OR ssn[1:3] IN ('000', '666') OR ssn[1:1] = '9'
               OR ssn[4:5] = '00' OR ssn[6:9] = '0000' OR ssn IN {VOIDED}""",
        "DUPLICATE_PAYMENT": """
            SELECT 'high', employee_id, string_agg(payment_id, ';'), sum(gross) - max(gross)
            FROM pay WHERE ptype = 'REGULAR' GROUP BY employee_id, ppe HAVING count(*) > 1""",
        "NO_WITHHOLDING": """
            SELECT 'medium', employee_id, NULL, 0 FROM pay WHERE ptype = 'REGULAR'
            GROUP BY employee_id
            HAVING count(*) >= 4 AND max(fed) = 0 AND max(ret) = 0 AND max(health) = 0""",
        "IDENTITY_MISMATCH": """
            SELECT 'medium', p.employee_id, string_agg(p.payment_id, ';'), 0
            FROM pay p JOIN r USING (employee_id) WHERE p.ssn <> r.ssn GROUP BY ALL""",
        "PAY_ABOVE_CAP": """
            WITH c AS (SELECT employee_id, salary,
                CASE WHEN pay_plan = 'ES' THEN 225700 ELSE 195200 END AS cap FROM r)
            SELECT 'high', c.employee_id,
                string_agg(p.payment_id, ';') FILTER (WHERE p.gross > round(c.cap / 26, 2)),
                coalesce(sum(p.gross - round(c.cap / 26, 2))
                         FILTER (WHERE p.gross > round(c.cap / 26, 2)), 0)
            FROM c JOIN pay p USING (employee_id) WHERE p.ptype = 'REGULAR'
            GROUP BY ALL HAVING max(p.gross) > round(any_value(c.cap) / 26, 2)
                OR any_value(c.salary) > any_value(c.cap)""",
        "CHECKIN_FROM_INACTIVE": f"""
            SELECT 'medium', c.employee_id, NULL, 0 FROM raw_checkins c JOIN r USING (employee_id)
            WHERE r.sep < {SENT} OR c.employee_id IN
                (SELECT employee_id FROM dm WHERE agree >= 2 AND dod < {SENT})
            GROUP BY ALL""",
        "CHECKIN_TEMPLATE": """
            WITH n AS (SELECT campaign_id, employee_id,
                trim(regexp_replace(lower(text), '[^a-z0-9]+', ' ', 'g')) AS t FROM raw_checkins)
            SELECT 'medium', string_agg(DISTINCT employee_id, ';'), NULL, 0 FROM n
            GROUP BY campaign_id, t HAVING count(DISTINCT employee_id) >= 5 AND length(t) >= 60""",
        # Not the linkage model: the plain contract test its planted cases meet (equivalent
        # names, the same or a transposed birth date, different SSNs).
        "DUPLICATE_PERSON": """
            SELECT 'medium', a.employee_id || ';' || b.employee_id, NULL, 0
            FROM r a JOIN r b ON a.employee_id < b.employee_id AND a.ssn <> b.ssn
             AND (a.dob = b.dob OR (year(a.dob) = year(b.dob) AND month(a.dob) = day(b.dob)
                                    AND day(a.dob) = month(b.dob)))
            WHERE (a.ln = b.ln OR damerau_levenshtein(a.ln, b.ln) <= 1)
              AND (a.fn = b.fn OR damerau_levenshtein(a.fn, b.fn) <= 1
                   OR EXISTS (SELECT 1 FROM nick WHERE nick.a = a.fn AND nick.b = b.fn))
              -- Namesakes: nothing shared but names and birth date are two people.
              AND NOT (a.city <> b.city AND a.zip <> b.zip AND a.email <> b.email
                       AND coalesce(a.sup <> b.sup, TRUE)
                       AND damerau_levenshtein(a.ssn, b.ssn) > 2)""",
        "POSSIBLE_DEATH_MATCH": """
            SELECT 'low', r.employee_id, string_agg(DISTINCT p.payment_id, ';'), 0
            FROM d JOIN r ON d.dob = r.dob AND d.ssn <> r.ssn
            JOIN pay p ON p.employee_id = r.employee_id AND p.ptype = 'REGULAR'
             AND p.pstart > d.dod
            WHERE (d.ln = r.ln OR damerau_levenshtein(d.ln, r.ln) <= 1)
              AND (d.fn = r.fn OR damerau_levenshtein(d.fn, r.fn) <= 1
                   OR EXISTS (SELECT 1 FROM nick WHERE nick.a = r.fn AND nick.b = d.fn))
              AND r.employee_id NOT IN (SELECT employee_id FROM dm WHERE agree >= 2)
            GROUP BY ALL""",
        "ACTIVITY_AFTER_SEPARATION": """
            SELECT 'medium', r.employee_id, NULL, 0 FROM r JOIN raw_activity a USING (employee_id)
            WHERE a.kind IN ('badge', 'login') AND CAST(a.date AS DATE) > r.sep GROUP BY ALL""",
        "SELF_APPROVED_CHANGE": """
            SELECT 'medium', employee_id, NULL, 0 FROM raw_hr_changes
            WHERE field IN ('annual_salary', 'grade', 'step', 'pay_plan', 'separation_date')
              AND (entered_by = employee_id OR approved_by = employee_id
                   OR entered_by = approved_by)""",
        "PO_BOX_ADDRESS": """
            SELECT 'low', employee_id, NULL, 0 FROM r
            WHERE regexp_matches(addr, '^(p\\.? ?o\\.? box|post office box|pob) ')""",
        "PAY_SPIKE": """
            SELECT 'medium', employee_id, payment_id, gross - med FROM (
                SELECT p.employee_id, p.payment_id, p.gross,
                       (SELECT median(e.gross) FROM pay e WHERE e.employee_id = p.employee_id
                        AND e.ptype = 'REGULAR' AND e.ppe < p.ppe AND e.ppe >= coalesce((
                            SELECT max(CAST(c.effective_date AS DATE)) FROM raw_hr_changes c
                            WHERE c.employee_id = p.employee_id
                              AND c.field IN ('annual_salary', 'grade', 'step', 'pay_plan')
                              AND CAST(c.effective_date AS DATE) <= p.ppe), DATE '1900-01-01')
                        HAVING count(*) >= 4) AS med
                FROM pay p WHERE p.ptype = 'REGULAR') x
            WHERE gross > 2 * med""",
    }
    assert set(queries) == REFERENCE_RULES
    found: list[Finding] = []
    for rule, sql in queries.items():
        for severity, emp, pays, amount in con.execute(sql).fetchall():
            found.append(
                (
                    rule,
                    severity,
                    ids(emp),
                    ids(pays),
                    Decimal(str(amount)).quantize(Decimal("0.01")),
                )
            )
    return found


def keyed(
    findings: list[Finding], severities: set[str]
) -> dict[tuple[str, tuple[str, ...]], Finding]:
    return {(f[0], f[2]): f for f in findings if f[1] in severities}


def planted(truth: dict[str, Any], severities: set[str]) -> dict[tuple[str, tuple[str, ...]], Any]:
    return {
        (a["rule"], tuple(a["employee_ids"])): a
        for a in truth["anomalies"]
        if a["severity"] in severities
    }


def dmf_records(path: Path) -> Iterator[dict[str, str]]:
    for line in path.read_text(encoding="ascii").splitlines():
        yield {
            "line": line,
            "type": line[0],
            "ssn": line[1:10],
            "last": line[10:30].strip(),
            "suffix": line[30:34].strip(),
            "first": line[34:49].strip(),
            "middle": line[49:64].strip(),
            "proof": line[64],
            "dod": line[65:73],
            "dob": line[73:81],
            "rest": line[81:],
        }


# --- determinism and the API -----------------------------------------------------------------
def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 800, seed=11)
    b = generate(tmp_path / "b", 800, seed=11)
    c = generate(tmp_path / "c", 800, seed=12)
    files = sorted(p.name for p in a.out_dir.iterdir())
    assert files == sorted(p.name for p in b.out_dir.iterdir())
    for name in files:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    assert (a.out_dir / "payroll.csv").read_bytes() != (c.out_dir / "payroll.csv").read_bytes()
    assert (a.out_dir / "truth.json").read_bytes() != (c.out_dir / "truth.json").read_bytes()


def test_result_progress_and_argument_checks(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    result = generate(tmp_path / "new" / "dir", 600, seed=1, progress=lambda *a: calls.append(a))
    assert result.out_dir.is_dir() and result.employees == 600 and result.seconds > 0
    assert result.truth_path == result.out_dir / "truth.json"
    stages = {c[0] for c in calls}
    assert {"roster", "payroll", "deaths", "checkins", "activity", "writing"} <= stages
    assert ("payroll", 26, 26) in calls
    assert all(0 <= done <= total for _, done, total in calls)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.employees = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="deaths_format"):
        generate(tmp_path / "x", 600, deaths_format="xml")
    with pytest.raises(ValueError, match="at least"):
        generate(tmp_path / "y", 10)


# --- contract format -------------------------------------------------------------------------
def test_files_and_exact_headers(synth_dataset: SynthResult) -> None:
    out = synth_dataset.out_dir
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{n}.csv" for n in CSV_FILES] + ["truth.json"]
    )
    for name in CSV_FILES:
        header = (out / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert header == ",".join(TABLES_BY_NAME[name].column_names), name


def test_row_counts_match_truth(synth_dataset: SynthResult) -> None:
    out, counts = synth_dataset.out_dir, truth_of(synth_dataset)["counts"]
    assert len(rows(out / "roster.csv")) == counts["employees"] == synth_dataset.employees
    assert len(rows(out / "payroll.csv")) == counts["payments"] == synth_dataset.payments
    assert len(rows(out / "deaths.csv")) == counts["deaths"] == synth_dataset.deaths
    assert len(rows(out / "checkins.csv")) == counts["checkins"] == synth_dataset.checkins
    assert len(rows(out / "activity.csv")) == counts["activity"]
    assert len(rows(out / "hr_changes.csv")) == counts["hr_changes"]
    assert len(rows(out / "vendors.csv")) == counts["vendors"]
    assert 20 * synth_dataset.employees < synth_dataset.payments < 27 * synth_dataset.employees


def test_value_formats(synth_dataset: SynthResult) -> None:
    out = synth_dataset.out_dir
    money = re.compile(r"^\d+\.\d\d$")
    date = re.compile(r"^\d{4}-\d\d-\d\d$")
    payments = rows(out / "payroll.csv")
    assert len({p["payment_id"] for p in payments}) == len(payments)
    for p in payments:
        for col in ("gross_pay", "net_pay", "federal_tax", "retirement", "health_benefits"):
            assert money.match(p[col]), (col, p[col])
        cents = [round(Decimal(p[c]) * 100) for c in ("gross_pay", "federal_tax", "retirement",
                                                        "health_benefits", "net_pay")]  # fmt: skip
        assert cents[0] - sum(cents[1:4]) == cents[4]
        end = dt.date.fromisoformat(p["pay_period_end"])
        assert end.weekday() == 5 and (end - dt.date(2025, 1, 11)).days % 14 == 0
        assert dt.date.fromisoformat(p["pay_date"]) == end + dt.timedelta(days=6)
        assert p["payment_type"] in ("REGULAR", "LUMP_SUM_LEAVE", "AWARD", "RETRO")
    for r in rows(out / "roster.csv"):
        assert money.match(r["annual_salary"]) and date.match(r["date_of_birth"])
        assert r["separation_date"] == "" or date.match(r["separation_date"])
        assert r["work_email"].endswith((".gov", ".mil")) and re.match(r"^\d{5}$", r["zip"])
    stamp = re.compile(r"^2025-02-2[234]T\d\d:\d\d:\d\dZ$")
    for c in rows(out / "checkins.csv"):
        assert stamp.match(c["submitted_at"]) and c["source"] in ("web", "email")
    for a in rows(out / "activity.csv"):
        assert a["kind"] in ("badge", "login", "timecard", "leave") and a["date"][:4] == "2025"


def test_checkin_texts_are_bullets_with_newlines(synth_dataset: SynthResult) -> None:
    texts = [c["text"] for c in rows(synth_dataset.out_dir / "checkins.csv")]
    multi = [t for t in texts if "\n" in t]
    assert len(multi) > 0.9 * len(texts)
    for t in multi:
        lines = t.split("\n")
        assert all(line.startswith(("- ", "* ")) for line in lines)
    background = [t for t in texts if t.startswith("- ") and t.count("\n") >= 2]
    assert all(3 <= t.count("\n") + 1 <= 5 for t in background)


# --- planted truth, checked from the files ---------------------------------------------------
REQUIRED_ANOMALIES = {
    "PAID_AFTER_DEATH", "DEATH_RECORD_CONFLICT", "PAID_AFTER_SEPARATION", "PAYEE_NOT_IN_ROSTER",
    "DUPLICATE_SSN", "SHARED_BANK_ACCOUNT", "INVALID_SSN", "DUPLICATE_PAYMENT", "NO_WITHHOLDING",
    "IDENTITY_MISMATCH", "PAY_ABOVE_CAP", "CHECKIN_FROM_INACTIVE", "CHECKIN_TEMPLATE",
    "DUPLICATE_PERSON", "POSSIBLE_DEATH_MATCH", "PAID_WITHOUT_ACTIVITY", "ACTIVITY_AFTER_SEPARATION",
    "ADDRESS_CLUSTER", "PO_BOX_ADDRESS", "EMPLOYEE_VENDOR_MATCH", "BANK_CHANGE_AFTER_EXIT",
    "SELF_APPROVED_CHANGE", "PAY_SPIKE",
}  # fmt: skip
REQUIRED_LOOKALIKES = {
    "lump_sum_after_separation", "final_pay_in_separation_period", "final_pay_in_period_of_death",
    "partial_date_of_death", "household_shared_account", "award_same_period",
    "retro_same_period", "waived_health_benefits", "surname_change",
    "senior_executive_above_gs_cap", "gs15_at_cap", "non_responder", "short_identical_replies",
    "ssn_without_dashes", "mis_keyed_death_record", "twins", "spouses", "common_name_strangers",
    "extended_leave", "two_idle_periods", "no_activity_feed", "activity_on_separation_day",
    "paperwork_after_separation", "household", "apartment_building", "former_residents",
    "post_office_road", "vendor_in_same_building", "vendor_with_same_name",
    "bank_change_before_exit", "bank_change_after_exit_unpaid", "self_service_changes",
    "pay_change_two_people", "promotion_doubling_pay", "large_award",
}  # fmt: skip


def test_every_planted_kind_is_in_truth(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    assert truth["seed"] == 0 and truth["employees"] == 2000
    assert truth["generated_by"] == "headcount synth"
    per_rule: dict[str, int] = {}
    for a in truth["anomalies"]:
        per_rule[a["rule"]] = per_rule.get(a["rule"], 0) + 1
        assert a["employee_ids"] == sorted(a["employee_ids"])
        assert a["payment_ids"] == sorted(a["payment_ids"])
        assert a["severity"] in ("high", "medium", "low")
    assert set(per_rule) == REQUIRED_ANOMALIES
    assert all(v >= 2 for v in per_rule.values())
    kinds = {x["kind"] for x in truth["lookalikes"]}
    assert kinds >= REQUIRED_LOOKALIKES
    assert all(x["must_not_flag"] for x in truth["lookalikes"])
    variants = {(a["rule"], a["variant"]) for a in truth["anomalies"]}
    for v in ("exact", "surname_typo", "upper_case", "partial_date_of_death", "nickname_no_dob"):
        assert ("PAID_AFTER_DEATH", v) in variants
    for v in (
        "area_000",
        "area_666",
        "area_9xx",
        "group_00",
        "serial_0000",
        "voided",
        "eight_digits",
    ):
        assert ("INVALID_SSN", v) in variants
    assert ("CHECKIN_FROM_INACTIVE", "died") in variants
    assert ("CHECKIN_FROM_INACTIVE", "separated") in variants
    # One person per plant, except the one who died before the campaign and still replied.
    owners: dict[str, set[str]] = {}
    for a in truth["anomalies"]:
        for e in a["employee_ids"]:
            owners.setdefault(e, set()).add(a["rule"])
    shared = {e: r for e, r in owners.items() if len(r) > 1}
    assert all(
        r
        in (
            {"PAID_AFTER_DEATH", "CHECKIN_FROM_INACTIVE"},
            {"PAID_AFTER_DEATH", "BANK_CHANGE_AFTER_EXIT"},
        )
        for r in shared.values()
    )


def test_reference_rules_find_exactly_the_planted_anomalies(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    found = reference_findings(synth_dataset.out_dir)
    truth["anomalies"] = [a for a in truth["anomalies"] if a["rule"] in REFERENCE_RULES]
    hm = {"high", "medium"}
    assert sorted(keyed(found, hm)) == sorted(planted(truth, hm))
    assert sorted(keyed(found, {"low"})) == sorted(planted(truth, {"low"}))
    for key, f in keyed(found, hm).items():
        plant = planted(truth, hm)[key]
        assert list(f[3]) == plant["payment_ids"], key
        assert f[4] == Decimal(str(plant["amount_at_risk"])).quantize(Decimal("0.01")), key
        assert plant["severity"] == f[1], key


def test_lookalikes_are_not_flagged_by_their_rules(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    flagged = {(f[0], e) for f in reference_findings(synth_dataset.out_dir) if f[1] in ("high", "medium") for e in f[2]}  # fmt: skip
    for look in truth["lookalikes"]:
        for rule in look["must_not_flag"]:
            for e in look["employee_ids"]:
                assert (rule, e) not in flagged, (look["kind"], rule, e)


def test_paid_after_separation_dollars_from_payroll(synth_dataset: SynthResult) -> None:
    """The headline dollars, recomputed straight from payroll.csv and roster.csv."""
    con = duckdb.connect()
    out = synth_dataset.out_dir
    total = con.execute(f"""
        SELECT sum(CAST(p.gross_pay AS DECIMAL(18,2)))
        FROM read_csv('{out / "payroll.csv"}', all_varchar=true) p
        JOIN read_csv('{out / "roster.csv"}', all_varchar=true) r USING (employee_id)
        WHERE p.payment_type = 'REGULAR'
          AND CAST(p.pay_period_end AS DATE) - 13 > CAST(r.separation_date AS DATE)
    """).fetchone()
    assert total is not None
    planted_total = sum(
        Decimal(str(a["amount_at_risk"]))
        for a in truth_of(synth_dataset)["anomalies"]
        if a["rule"] == "PAID_AFTER_SEPARATION"
    )
    assert Decimal(total[0]) == planted_total > 0


# --- the background is clean -----------------------------------------------------------------
def planted_ids(truth: dict[str, Any], *rules: str) -> set[str]:
    return {e for a in truth["anomalies"] if a["rule"] in rules for e in a["employee_ids"]}


def valid_ssn(digits: str) -> bool:
    return (
        len(digits) == 9
        and digits[:3] not in ("000", "666")
        and digits[0] != "9"
        and digits[3:5] != "00"
        and digits[5:] != "0000"
        and digits not in VOIDED
    )


def test_background_ssns_valid_unique_and_not_dead(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    out = synth_dataset.out_dir
    invalid = planted_ids(truth, "INVALID_SSN")
    dup = planted_ids(truth, "DUPLICATE_SSN")
    roster = rows(out / "roster.csv")
    seen: dict[str, str] = {}
    for r in roster:
        digits = r["ssn"].replace("-", "")
        assert valid_ssn(digits) == (r["employee_id"] not in invalid), r["employee_id"]
        if digits in seen:
            assert {r["employee_id"], seen[digits]} <= dup
        seen[digits] = r["employee_id"]
    dead = {d["ssn"] for d in rows(out / "deaths.csv")}
    on_roster = {r["employee_id"] for r in roster if r["ssn"].replace("-", "") in dead}
    assert on_roster == planted_ids(truth, "PAID_AFTER_DEATH", "DEATH_RECORD_CONFLICT") | {
        e for x in truth["lookalikes"] if "death" in x["kind"] for e in x["employee_ids"]
    }
    assert abs(len(dead) - synth_dataset.employees) < 0.1 * synth_dataset.employees


def test_background_pay_within_caps(synth_dataset: SynthResult) -> None:
    above = planted_ids(truth_of(synth_dataset), "PAY_ABOVE_CAP")
    plans = set()
    for r in rows(synth_dataset.out_dir / "roster.csv"):
        plans.add(r["pay_plan"])
        cap = 225_700 if r["pay_plan"] == "ES" else 195_200
        if r["employee_id"] not in above:
            assert Decimal(r["annual_salary"]) <= cap
        if r["pay_plan"] == "GS":
            assert 5 <= int(r["grade"]) <= 15 and 1 <= int(r["step"]) <= 10
        if r["pay_plan"] == "ES":
            assert r["grade"] == r["step"] == "" and Decimal(r["annual_salary"]) >= 180_000
    assert plans == {"GS", "ES"}


def test_no_two_roster_people_share_name_and_birth_date(synth_dataset: SynthResult) -> None:
    """Only planted duplicate people and namesakes share name and birth date."""
    truth = truth_of(synth_dataset)
    twice = planted_ids(truth, "DUPLICATE_PERSON") | {
        e for x in truth["lookalikes"] if x["kind"] == "namesakes" for e in x["employee_ids"]
    }
    keys = [
        (r["first_name"].lower(), r["last_name"].lower(), r["date_of_birth"])
        for r in rows(synth_dataset.out_dir / "roster.csv")
        if r["employee_id"] not in twice
    ]
    assert len(keys) == len(set(keys))


def test_duplicate_people_come_in_every_variant(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    roster = {r["employee_id"]: r for r in rows(synth_dataset.out_dir / "roster.csv")}
    variants = set()
    for a in truth["anomalies"]:
        if a["rule"] == "DUPLICATE_PERSON":
            first, second = (roster[e] for e in a["employee_ids"])
            assert first["ssn"] != second["ssn"]
            variants.add(a["variant"])
    assert variants == {
        "nickname", "surname_typo", "transposed_birth_date", "different_ssn",
        "moved_same_work_email", "moved_same_supervisor", "moved_ssn_one_digit",
        "moved_ssn_transposed",
    }  # fmt: skip


def test_movers_keep_one_thing_and_namesakes_share_nothing(synth_dataset: SynthResult) -> None:
    truth = truth_of(synth_dataset)
    roster = {r["employee_id"]: r for r in rows(synth_dataset.out_dir / "roster.csv")}
    kept = {"moved_same_work_email": ("work_email",), "moved_same_supervisor": ("supervisor_id",
            "org_code")}  # fmt: skip
    for a in truth["anomalies"]:
        if a["rule"] == "DUPLICATE_PERSON" and a["variant"].startswith("moved_"):
            one, two = (roster[e] for e in a["employee_ids"])
            assert one["city"] != two["city"] and one["home_address"] != two["home_address"]
            for column in kept.get(a["variant"], ()):
                assert one[column] == two[column] != ""
            if "ssn" in a["variant"]:
                a, b = (r["ssn"].replace("-", "") for r in (one, two))
                diff = [i for i in range(9) if a[i] != b[i]]
                assert 1 <= len(diff) <= 2
    namesakes = [x for x in truth["lookalikes"] if x["kind"] == "namesakes"]
    assert namesakes
    for x in namesakes:
        one, two = (roster[e] for e in x["employee_ids"])
        same = ("first_name", "last_name", "date_of_birth")
        assert all(one[c] == two[c] for c in same)
        assert one["city"] != two["city"] and one["work_email"] != two["work_email"]


def test_checkins_respect_policy_and_activity(synth_dataset: SynthResult) -> None:
    out = synth_dataset.out_dir
    truth = truth_of(synth_dataset)
    roster = {r["employee_id"]: r for r in rows(out / "roster.csv")}
    policy = {c["agency"]: c["policy"] for c in rows(out / "campaigns.csv")}
    assert set(policy.values()) == {"mandatory", "voluntary", "exempt"}
    replies = rows(out / "checkins.csv")
    repliers = {c["employee_id"] for c in replies}
    assert len(repliers) == len(replies)
    inactive = planted_ids(truth, "CHECKIN_FROM_INACTIVE")
    sent = dt.date(2025, 2, 22)
    active = {
        e for e, r in roster.items()
        if r["hire_date"] <= "2025-02-22" and (r["separation_date"] or "9999") >= "2025-02-22"
    }  # fmt: skip
    for c in replies:
        r = roster[c["employee_id"]]
        assert c["work_email"] == r["work_email"]
        assert policy[r["agency"]] != "exempt"
        if c["employee_id"] not in inactive:
            assert c["employee_id"] in active
            assert not r["separation_date"] or dt.date.fromisoformat(r["separation_date"]) >= sent
    rate = {
        pol: len({e for e in active if policy[roster[e]["agency"]] == pol} & repliers)
        / len({e for e in active if policy[roster[e]["agency"]] == pol})
        for pol in ("mandatory", "voluntary")
    }
    assert 0.5 < rate["mandatory"] < 0.7 and 0.3 < rate["voluntary"] < 0.5
    dod = {d["ssn"]: d["date_of_death"] for d in rows(out / "deaths.csv")}
    dead_before = {
        e for e in planted_ids(truth, "PAID_AFTER_DEATH")
        if dod[roster[e]["ssn"].replace("-", "")] < "2025-02-22"
    }  # fmt: skip
    assert dead_before and dead_before <= inactive
    non_responders = len(active - dead_before - repliers)
    assert truth["counts"]["non_responders"] == non_responders > 0
    assert truth["counts"]["checkins"] == len(replies)


def test_no_activity_after_death(synth_dataset: SynthResult) -> None:
    out = synth_dataset.out_dir
    roster = {r["employee_id"]: r["ssn"].replace("-", "") for r in rows(out / "roster.csv")}
    dod = {
        d["ssn"]: d["date_of_death"]
        for d in rows(out / "deaths.csv")
        if d["ssn"] in set(roster.values())
    }
    dead = planted_ids(truth_of(synth_dataset), "PAID_AFTER_DEATH")
    events = rows(out / "activity.csv")
    assert len({a["employee_id"] for a in events}) > 0.8 * len(roster)
    for a in events:
        if a["employee_id"] in dead:
            assert a["date"][:7] <= dod[roster[a["employee_id"]]][:7]


# --- the Death Master File variant -----------------------------------------------------------
def test_dmf_records_are_fixed_width_and_match_csv(
    synth_dataset: SynthResult, synth_dataset_dmf: SynthResult
) -> None:
    out = synth_dataset_dmf.out_dir
    assert (out / "deaths.dmf").exists() and not (out / "deaths.csv").exists()
    assert truth_of(synth_dataset_dmf)["deaths_file"] == "deaths.dmf"
    raw = (out / "deaths.dmf").read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    records = list(dmf_records(out / "deaths.dmf"))
    as_csv = rows(synth_dataset.out_dir / "deaths.csv")
    assert len(records) == len(as_csv) == synth_dataset_dmf.deaths
    for rec, ref in zip(records, as_csv, strict=True):
        assert len(rec["line"]) == 100 and rec["rest"].strip() == ""
        # A blank proof code: a death no second source confirms (see truth "corroborated").
        assert rec["type"] == " " and rec["proof"] in ("P", "V", " ")
        assert rec["ssn"] == ref["ssn"] and rec["ssn"].isdigit()
        assert rec["last"] == ref["last_name"].upper()[:20]
        assert rec["first"] == ref["first_name"].upper()[:15]
        assert rec["middle"] == ref["middle_name"].upper()[:15]
        assert rec["last"] == rec["last"].upper()
        y, m, d = ref["date_of_death"].split("-")
        assert rec["dod"] == f"{m}{d}{y}"
        if ref["date_of_birth"]:
            y, m, d = ref["date_of_birth"].split("-")
            assert rec["dob"] == f"{m}{d}{y}"
        else:
            assert rec["dob"] == " " * 8
    assert any(r["dod"][2:4] == "00" for r in records)  # partial dates survive
    for name in ("roster.csv", "payroll.csv", "checkins.csv", "truth.json"):
        if name != "truth.json":
            assert (out / name).read_bytes() == (synth_dataset.out_dir / name).read_bytes()


def test_twins_and_spouses_have_given_names_that_are_not_equivalent(
    synth_dataset: SynthResult,
) -> None:
    from headcount.synth.names_edit import given_equivalent

    roster = {r["employee_id"]: r for r in rows(synth_dataset.out_dir / "roster.csv")}
    seen = set()
    for look in truth_of(synth_dataset)["lookalikes"]:
        if look["kind"] in ("twins", "spouses"):
            a, b = (roster[e] for e in look["employee_ids"])
            assert a["last_name"] == b["last_name"] and a["home_address"] == b["home_address"]
            assert not given_equivalent(a["first_name"], b["first_name"]), look
            assert (a["date_of_birth"] == b["date_of_birth"]) == (look["kind"] == "twins")
            seen.add(look["kind"])
    assert seen == {"twins", "spouses"}


def test_roster_only_writes_the_roster_generate_writes(
    synth_dataset: SynthResult, tmp_path: Path
) -> None:
    from headcount.synth.api import roster_only

    planted = roster_only(tmp_path / "roster", synth_dataset.employees, seed=0)
    same = (tmp_path / "roster" / "roster.csv").read_bytes()
    assert same == (synth_dataset.out_dir / "roster.csv").read_bytes()
    truth = truth_of(synth_dataset)
    assert sorted(tuple(d[:2]) for d in planted["duplicates"]) == sorted(
        tuple(a["employee_ids"]) for a in truth["anomalies"] if a["rule"] == "DUPLICATE_PERSON"
    )
    assert {x[2] for x in planted["lookalikes"]} >= {"twins", "spouses", "common_name_strangers"}
