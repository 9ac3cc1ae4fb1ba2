"""report.html: structure, escaping, truncation and self-containment (no browser needed)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from headcount.contract.findings import FINDING_COLUMNS
from headcount.pipeline.findings import FINDINGS_SCHEMA
from headcount.report import RuleInfo, render_report, write_report
from headcount.report.charts import SEVERITY_COLOURS, STATUS_COLOURS
from headcount.report.formatting import format_money

RULES = (
    RuleInfo(
        "PAID_AFTER_DEATH",
        "Paid after death",
        "Regular payments for pay periods that start after the date of death in a matching death record.",
    ),
    RuleInfo(
        "PAID_AFTER_SEPARATION",
        "Paid after separation",
        "Regular payments for pay periods that start after the roster separation date.",
    ),
    RuleInfo(
        "PAYEE_NOT_IN_ROSTER",
        "Payee not in roster",
        "Payments to an employee id with no roster record.",
    ),
    RuleInfo("DUPLICATE_SSN", "Duplicate SSN", "One SSN on roster records of different ids."),
    RuleInfo(
        "SHARED_BANK_ACCOUNT",
        "Shared bank account",
        "One account paid for two or more employees who are not one household.",
    ),
    RuleInfo(
        "DEATH_RECORD_CONFLICT",
        "Death record conflict",
        "A death record with the roster SSN that disagrees on names and birth date.",
    ),
    RuleInfo("CHECKIN_TEMPLATE", "Template check-in", "Five or more identical replies."),
    RuleInfo("DATA_QUALITY", "Data quality", "A cell that could not be read."),
    RuleInfo("INVALID_SSN", "Invalid SSN", "A roster SSN that is never issued."),
)


def _payments(ids: list[str], gross: str, start_day: int = 7) -> list[dict[str, Any]]:
    return [
        {
            "payment_id": pid,
            "pay_period_end": f"2025-0{3 + i // 2}-{start_day + (i % 2) * 14:02d}",
            "gross_pay": gross,
        }
        for i, pid in enumerate(ids)
    ]


def finding(
    fid: str,
    rule: str,
    severity: str,
    employees: list[str],
    payments: list[str],
    amount: str,
    summary: str,
    evidence: dict[str, Any],
) -> dict[str, Any]:
    return {
        "finding_id": fid,
        "rule": rule,
        "severity": severity,
        "employee_ids": ";".join(sorted(employees)),
        "payment_ids": ";".join(sorted(payments)),
        "amount_at_risk": Decimal(amount),
        "summary": summary,
        "evidence": json.dumps(evidence),
    }


def sample_rows() -> list[dict[str, Any]]:
    """A small, realistic mix of rules and severities (synthetic people and values)."""
    pad = ["P000101", "P000102", "P000103"]
    pas = ["P000201", "P000202"]
    nir = ["P000301", "P000302", "P000303", "P000304"]
    template = [f"E{n:05d}" for n in range(20001, 20008)]
    return [
        finding(
            "F-0001",
            "PAID_AFTER_DEATH",
            "high",
            ["E10001"],
            pad,
            "9876.54",
            "Employee E10001 was paid $9,876.54 in 3 regular payments for periods starting after "
            "the date of death 2025-02-11 in a matching death record.",
            {
                "employee_id": "E10001",
                "death_record": {"source": "deaths.csv", "row": 17, "date_of_death": "2025-02-11"},
                "agreeing_fields": ["surname", "given_name", "date_of_birth"],
                "payments": _payments(pad, "3292.18"),
            },
        ),
        finding(
            "F-0002",
            "PAID_AFTER_SEPARATION",
            "high",
            ["E10002"],
            pas,
            "5120.00",
            "Employee E10002 separated on 2025-01-31 and received 2 regular payments afterwards.",
            {
                "employee_id": "E10002",
                "separation_date": "2025-01-31",
                "payments": _payments(pas, "2560.00"),
            },
        ),
        finding(
            "F-0003",
            "PAYEE_NOT_IN_ROSTER",
            "high",
            ["X99999"],
            nir,
            "12000.00",
            "Employee id X99999 received 4 payments but has no roster record.",
            {"employee_id": "X99999", "payments": _payments(nir, "3000.00")},
        ),
        finding(
            "F-0004",
            "DUPLICATE_SSN",
            "high",
            ["E10003", "E10004"],
            [],
            "0",
            "Roster records E10003 and E10004 carry the same SSN.",
            {
                "roster_rows": [
                    {"employee_id": "E10003", "row": 3},
                    {"employee_id": "E10004", "row": 4},
                ]
            },
        ),
        finding(
            "F-0005",
            "SHARED_BANK_ACCOUNT",
            "medium",
            ["E10005", "E10006"],
            ["P000501", "P000601"],
            "0",
            "One bank account received pay for E10005 and E10006, who are not one household.",
            {
                "account": "routing ending 0021, account ending 7788",
                "employee_ids": ["E10005", "E10006"],
            },
        ),
        finding(
            "F-0009",
            "SHARED_BANK_ACCOUNT",
            "low",
            ["E10010", "E10011"],
            ["P001001", "P001101"],
            "0",
            "One bank account received pay for E10010 and E10011, who share a surname and home address.",
            {"household": {"surname": "RIVERA", "same_home_address": True}},
        ),
        finding(
            "F-0006",
            "CHECKIN_TEMPLATE",
            "medium",
            template,
            [],
            "0",
            "Seven employees sent the same 84-character reply in campaign C1.",
            {
                "campaign_id": "C1",
                "normalised_text": "reviewed tickets " * 5,
                "employees": template,
            },
        ),
        finding(
            "F-0007",
            "DEATH_RECORD_CONFLICT",
            "low",
            ["E10007"],
            [],
            "0",
            "A death record carries E10007's SSN but agrees on only one of surname, given name and birth date.",
            {"death_record": {"row": 44}, "agreeing_fields": ["surname"]},
        ),
        finding(
            "F-0008",
            "DATA_QUALITY",
            "info",
            ["E10008"],
            ["P000801"],
            "0",
            "payroll.csv row 812: gross_pay 'abc' is not an amount.",
            {"file": "payroll.csv", "row": 812, "column": "gross_pay", "problem": "not a number"},
        ),
    ]


def findings_table(rows: list[dict[str, Any]] | None = None) -> pa.Table:
    return pa.Table.from_pylist(sample_rows() if rows is None else rows, schema=FINDINGS_SCHEMA)


def sample_summary() -> dict[str, Any]:
    return {
        "headcount_version": "0.1.0",
        "dataset": "/data/synthetic-agency",
        "engine": "duckdb",
        "started_at": "2026-11-22T08:00:00Z",
        "inputs": {
            "roster": {"file": "roster.csv", "rows": 5000},
            "payroll": {"file": "payroll.csv", "rows": 128000},
            "deaths": {"file": "deaths.csv", "rows": 5000},
        },
        "findings": {
            "total": 9,
            "by_severity": {
                "high": {"findings": 4, "amount_at_risk": 26996.54},
                "medium": {"findings": 2, "amount_at_risk": 0.0},
                "low": {"findings": 2, "amount_at_risk": 0.0},
                "info": {"findings": 1, "amount_at_risk": 0.0},
            },
            "by_rule": {
                "PAID_AFTER_DEATH": {
                    "findings": 1,
                    "amount_at_risk": 9876.54,
                    "payments": 3,
                    "by_severity": {"high": 1},
                },
                "PAYEE_NOT_IN_ROSTER": {
                    "findings": 1,
                    "amount_at_risk": 12000.0,
                    "payments": 4,
                    "by_severity": {"high": 1},
                },
            },
        },
        "amount_at_risk": {"sum_by_rule": 26996.54, "distinct": 24436.54},
        "payees": {
            "total": 4990,
            "total_paid": 350123456.78,
            "by_status": {"verified": 4950, "review": 25, "flagged": 15},
        },
        "checkins": {
            "campaigns": [
                {
                    "campaign_id": "C1",
                    "agency": "VA",
                    "policy": "mandatory",
                    "roster": 1200,
                    "replied": 700,
                    "response_rate": 0.583,
                },
                {
                    "campaign_id": "C1",
                    "agency": "DOD",
                    "policy": "exempt",
                    "roster": 900,
                    "replied": 12,
                },
            ]
        },
        "timings_seconds": {
            "ingest": 1.2,
            "rules": 2.3,
            "payees": 0.4,
            "outputs": 0.5,
            "total": 4.4,
        },
    }


class _Collector(HTMLParser):
    """Every attribute of every element, and the text, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


@pytest.fixture(scope="module")
def html() -> str:
    return render_report(findings_table(), sample_summary(), rules=RULES)


def test_headline_figures(html: str) -> None:
    for text in (
        "4,950",  # verified
        "4,990",  # payees
        "$350,123,456.78",  # total paid
        "$26,996.54",  # sum over rules
        "$24,436.54",  # distinct
        "counted once per payment",
        "Findings by severity",
    ):
        assert text in html, text
    assert '<html lang="en">' in html


def test_every_rule_in_findings_appears_with_description(html: str) -> None:
    for row in sample_rows():
        assert row["rule"] in html
        assert row["finding_id"] in html
    assert "Regular payments for pay periods that start after the date of death" in html
    # A catalogued rule that found nothing is listed as checked.
    assert "Rules checked with no findings" in html and "INVALID_SSN" in html


def test_skipped_rules_are_not_called_checked() -> None:
    summary = sample_summary()
    summary["rules"] = {"ran": ["INVALID_SSN"], "skipped": {"CHECKIN_TEMPLATE": "needs checkins"}}
    rows = [r for r in sample_rows() if r["rule"] != "CHECKIN_TEMPLATE"]
    html = render_report(findings_table(rows), summary, rules=RULES)
    not_run = html[html.index("Rules not run") :]
    assert "CHECKIN_TEMPLATE" in not_run and "Not run: needs checkins." in not_run
    checked = html[html.index("Rules checked with no findings") : html.index("Rules not run")]
    assert "INVALID_SSN" in checked and "CHECKIN_TEMPLATE" not in checked


def test_evidence_and_payment_ids_are_traceable(html: str) -> None:
    assert html.count('<details class="finding"') == len(sample_rows())
    assert "P000101, P000102, P000103" in html
    assert "&#34;date_of_death&#34;: &#34;2025-02-11&#34;" in html  # pretty-printed JSON
    assert "$9,876.54" in html


def test_evidence_reads_as_tables_with_the_json_one_click_away(html: str) -> None:
    first = html[html.index('id="finding-F-0001"') : html.index('id="finding-F-0002"')]
    assert "<dt>Death record</dt><dd>Where the record comes from: the death records file; " \
        "Date of death: 2025-02-11</dd>" in first  # fmt: skip
    table = first[first.index('<table class="evidence-table">') :]
    assert "<caption>Payments</caption>" in table and '<th scope="col">Pay period end</th>' in table
    assert first.index("evidence-table") < first.index('<details class="evidence-json">')
    assert first.index('<details class="evidence-json">') < first.index('<pre class="evidence">')


def test_the_cui_handling_notice_is_at_the_top_and_the_bottom(html: str) -> None:
    body = html[html.index("<body>") :]
    assert body.index("CUI//PRVCY — Controlled Unclassified Information — Privacy.") < body.index(
        "<header"
    )
    assert "partial Social Security numbers, bank routing numbers" in body
    assert body.rindex("CUI//PRVCY") > body.index("<footer>")


def test_plain_language_notes(html: str) -> None:
    assert "not proof" in html
    assert "Nobody is penalised for not answering a check-in" in html
    assert "never a finding" in html
    assert "5 U.S.C. 552a(p)" in html


def test_checkin_rates_with_policy(html: str) -> None:
    assert "58.3%" in html
    assert "1.3%" in html  # computed from replied / roster when no rate is given
    assert "exempt" in html and "mandatory" in html


def test_order_is_severity_then_amount(html: str) -> None:
    positions = [html.index(f'id="finding-F-000{n}"') for n in (3, 1, 2, 4, 5, 6, 7, 9, 8)]
    assert positions == sorted(positions)


def test_charts_are_accessible_svg(html: str) -> None:
    c = parse(html)
    labels = {v for tag, name, v in c.attrs if tag == "svg" and name == "aria-label"}
    assert labels == {
        "Findings by rule, stacked by severity",
        "Dollars at risk by rule",
        "Payees by status",
    }
    assert sum(1 for tag, name, v in c.attrs if tag == "svg" and name == "role" and v == "img") == 3
    assert html.count("<title>") >= 4  # page title and one per chart


def test_tables_have_scoped_headers(html: str) -> None:
    c = parse(html)
    th_scopes = [v for tag, name, v in c.attrs if tag == "th" and name == "scope"]
    assert c.tags.count("th") == len(th_scopes)  # every header cell says what it heads


def test_no_external_references(html: str) -> None:
    c = parse(html)
    for tag, name, value in c.attrs:
        if name in {"src", "href", "xlink:href", "action", "formaction", "poster", "data"}:
            assert value.startswith("#"), (tag, name, value)
        if name == "srcset" or name == "style":
            raise AssertionError(f"unexpected {name} on <{tag}>")
    # Nothing in the page names a web address at all (the data here has none either).
    assert not re.search(r"(https?|ftp|wss?):", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    csp = next(v for tag, name, v in c.attrs if name == "content" and "default-src" in v)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_script_and_html_in_data_are_escaped() -> None:
    rows = sample_rows()
    rows[0]["summary"] = "<script>alert('summary')</script> & <b>bold</b>"
    rows[1]["evidence"] = json.dumps({"note": "</pre><script>alert('evidence')</script>"})
    rows[2]["evidence"] = "<img src=x onerror=alert(1)> not json"
    rows[3]["rule"] = '"><script>alert("rule")</script>'
    summary = sample_summary()
    summary["dataset"] = "</title><script>alert('dataset')</script>"
    summary["checkins"]["campaigns"][0]["agency"] = "<script>alert('agency')</script>"
    html = render_report(findings_table(rows), summary, rules=RULES)
    c = parse(html)
    assert len(c.scripts) == 1 and "alert" not in c.scripts[0]  # only the report's own script
    assert c.tags.count("script") == 1 and c.tags.count("img") == 0 and c.tags.count("b") == 0
    assert "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(&#39;evidence&#39;)" in html
    assert "&lt;img src=x onerror=alert(1)&gt; not json" in html
    assert "not valid JSON" in html


def test_truncation_note_with_many_findings() -> None:
    n = 50_000
    base = sample_rows()
    rows = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r["finding_id"] = f"F-{i:06d}"
        rows.append(r)
    # One very large high finding must come first even though it was generated last.
    rows[-1] = dict(rows[-1], severity="high", amount_at_risk=Decimal("999999.99"))
    html = render_report(findings_table(rows), {}, rules=RULES, max_rows=500)
    assert html.count('<details class="finding"') == 500
    assert "This table shows 500 of 50,000 findings" in html
    assert "49,500 less important findings are left out" in html
    assert "findings.csv" in html
    first = html.index('<details class="finding"')
    assert html.index(f'id="finding-F-{n - 1:06d}"') == html.index('id="finding-', first)
    # Rules are counted from the whole table, not only the rows shown.
    dq = sum(1 for r in rows if r["rule"] == "DATA_QUALITY")
    dq_row = html[html.index('<tr id="rule-DATA_QUALITY">') :]
    assert f'<td class="num">{dq:,}</td>' in dq_row[: dq_row.index("</tr>")]


def test_huge_evidence_is_cut_in_the_page_only() -> None:
    rows = sample_rows()
    rows[0]["evidence"] = json.dumps(
        {"payments": [{"payment_id": f"P{i:07d}"} for i in range(2000)]}
    )
    html = render_report(findings_table(rows), {})
    assert "Cut at 20,000 characters here; findings.csv has all of it." in html
    assert "P0000100" in html and "P0001999" not in html
    assert "<caption>Payments (the first 50; 1,950 more in findings.csv)</caption>" in html


def test_zero_findings_and_empty_summary() -> None:
    html = render_report(findings_table([]), {})
    assert "No findings" in html
    assert '<table class="findings"' not in html
    assert "Not recorded." in html
    assert "not proof" in html


def test_missing_and_odd_summary_keys() -> None:
    summary: dict[str, Any] = {
        "findings": {"by_severity": {"high": "x"}, "by_rule": {"PAID_AFTER_DEATH": None}},
        "payees": {"by_status": {"verified": 10}},
        "amount_at_risk": {},
        "checkins": {"campaigns": [{"campaign_id": "C9"}, "junk"]},
        "timings_seconds": {"total": "n/a"},
        "inputs": {"roster": "roster.csv"},
    }
    html = render_report(findings_table(), summary)
    assert "C9" in html and "PAID_AFTER_DEATH" in html
    assert "was not available for this run" in html


def test_float_amounts_accepted() -> None:
    table = findings_table().cast(
        pa.schema(
            [
                f if f.name != "amount_at_risk" else pa.field(f.name, pa.float64())
                for f in FINDINGS_SCHEMA
            ]
        )
    )
    html = render_report(table, {})
    assert "$9,876.54" in html and "$26,996.54" in html  # sum over rules computed from the table


def test_missing_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="evidence"):
        render_report(findings_table().drop(["evidence"]), {})


def test_write_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(out, findings_table(), sample_summary(), rules=RULES)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_templates_ship_as_package_data() -> None:
    templates = resources.files("headcount.report").joinpath("templates")
    for name in ("report.html.j2", "_findings.html.j2", "report.css", "report.js"):
        assert templates.joinpath(name).is_file(), name


def test_money_format() -> None:
    assert format_money(Decimal("1234567.8")) == "$1,234,567.80"
    assert format_money(0.1 + 0.2) == "$0.30"
    assert format_money(-5) == "-$5.00"
    assert format_money(None) == "—"
    assert list(FINDING_COLUMNS) == FINDINGS_SCHEMA.names


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", sorted({*SEVERITY_COLOURS.values(), *STATUS_COLOURS.values()}))
def test_badge_colours_meet_wcag_aa_with_white_text(colour: str) -> None:
    ratio = (1.05) / (_luminance(colour) + 0.05)
    assert ratio >= 4.5, (colour, ratio)
