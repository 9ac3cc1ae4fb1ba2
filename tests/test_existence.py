"""The non-response question: who did and did not reply, and the evidence that each is real.

A hand-built agency puts one employee on each side of every boundary (the 14-day activity
window, the pay period covering the send date, a shared or invalid SSN, a death record, the
roster on the send date) and the counts are checked exactly; the confidence interval is
checked against Newcombe's published example; the sentence against its edge cases.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep

from builders import Agency, Results
from headcount.pipeline.existence import Group, newcombe_interval, rate_difference, sentence, share


def _agency(agency: Agency, *, deaths: bool = True) -> Agency:
    # Send date 2025-02-22; pay period 3 (Feb 9 - Feb 22) covers it, periods 2 and 4 do not.
    agency.campaign("C1", "VA", policy="mandatory")
    agency.campaign("C1", "DOI", policy="exempt")
    e01 = agency.employee("E01")
    agency.pay("E01", 3)
    agency.activity("E01", "2025-02-08")  # 14 days before: inside the window
    agency.checkin("E01", "Reviewed the quarterly budget with the finance office.")
    agency.employee("E02", ssn="000-12-3456")  # never issued: INVALID_SSN
    agency.pay_periods("E02", range(2, 5, 2))  # periods 2 and 4 only
    agency.activity("E02", "2025-03-08")  # 14 days after: inside
    e03 = agency.employee("E03")
    agency.pay("E03", 3, retirement="0.00")  # tax withheld, retirement not
    agency.activity("E03", "2025-02-07")  # 15 days before: outside
    agency.employee("E04", ssn=e03["ssn"])  # shares E03's SSN: DUPLICATE_SSN
    agency.pay("E04", 3)
    # Attributed by work email alone.
    agency.checkin(
        "",
        "Answered veterans' claims and closed eleven tickets.",
        work_email="e04@agency.example.gov",
    )
    e05 = agency.employee("E05")
    agency.pay("E05", 3)
    if deaths:
        agency.death(ssn=e05["ssn"], first_name=e05["first_name"], last_name=e05["last_name"],
                     date_of_birth=e05["date_of_birth"], date_of_death="2025-01-01")  # fmt: skip
    agency.employee("E06", separation_date="2025-02-01")  # gone before the send date
    agency.checkin("E06", "Still here, answering the email like everyone else did.")
    agency.employee("E07", hire_date="2025-03-01")  # hired after it
    agency.employee("E08", ssn="")  # no evidence of any kind, and no finding
    agency.employee("E09", agency="DOI")
    agency.pay("E09", 3)
    agency.employee("E10", separation_date="2025-02-22")  # active on the send date itself
    agency.pay("E10", 3)
    assert e01["agency"] == "VA"
    return agency


@pytest.fixture
def results(agency: Agency, run_verify: Callable[..., Results]) -> Results:
    return run_verify(_agency(agency))


def _agencies(result: Results) -> dict[str, dict[str, Any]]:
    [campaign] = result.summary["existence"]["campaigns"]
    assert campaign["campaign_id"] == "C1"
    return {a["agency"]: a for a in campaign["agencies"]}


def test_each_group_counts_each_kind_of_evidence_and_findings(results: Results) -> None:
    va = _agencies(results)["VA"]
    assert (va["policy"], va["sent_on"], va["roster"]) == ("mandatory", "2025-02-22", 7)
    assert va["replied"] == {
        "employees": 2, "activity": 1, "regular_pay": 2, "hr_record": 1,
        "any_evidence": 2, "no_evidence": 0, "with_finding": 1, "finding_rate": 0.5,
    }  # fmt: skip
    assert va["did_not_reply"] == {
        "employees": 5, "activity": 1, "regular_pay": 2, "hr_record": 1,
        "any_evidence": 3, "no_evidence": 2, "with_finding": 3, "finding_rate": 0.6,
    }  # fmt: skip
    diff = va["finding_rate_difference"]
    assert diff["estimate"] == pytest.approx(0.1)
    assert diff["ci_low"] < 0.1 < diff["ci_high"]
    assert diff["confidence"] == 0.95
    assert va["sentence"].startswith(
        "Of 5 employees who did not reply, 3 (60.00%) have independent evidence of being "
        "current employees; 60.00% carry a high or medium finding, against 50.00% of those "
        "who replied (a difference of 10.00 percentage points; 95% confidence interval "
    )


def test_an_agency_where_nobody_replied_has_no_comparison(results: Results) -> None:
    doi = _agencies(results)["DOI"]
    assert doi["policy"] == "exempt"
    assert doi["replied"]["employees"] == 0 and doi["did_not_reply"]["employees"] == 1
    assert doi["finding_rate_difference"] is None
    assert doi["sentence"].endswith("nobody replied, so there is no group to compare with.")


def test_the_campaign_total_adds_its_agencies(results: Results) -> None:
    [campaign] = results.summary["existence"]["campaigns"]
    total = campaign["all_agencies"]
    assert total["roster"] == 8
    assert total["did_not_reply"]["employees"] == 6
    assert total["did_not_reply"]["any_evidence"] == 4
    assert total["replied"]["employees"] == 2
    assert total["finding_rate_difference"]["estimate"] == pytest.approx(0.5 - 0.5)


def test_existence_csv_has_a_row_per_campaign_and_agency(results: Results) -> None:
    with (results.out / "existence.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["agency"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"DOI", "VA"}
    va = rows["VA"]
    assert va["did_not_reply_no_evidence"] == "2" and va["replied_with_finding"] == "1"
    assert float(va["finding_rate_difference"]) == pytest.approx(0.1)
    assert va["sentence"] == _agencies(results)["VA"]["sentence"]
    assert rows["DOI"]["ci_low"] == "" and rows["DOI"]["replied_finding_rate"] == ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def test_no_list_of_who_did_not_reply_is_written(results: Results) -> None:
    # E08 did not reply, was not paid and has no finding: no output may name them.
    named = {e for f in results.findings for e in f["employee_ids"].split(";")}
    named |= set(results.payees)
    with (results.out / "existence.csv").open(newline="", encoding="utf-8") as fh:
        named |= {cell for row in csv.reader(fh) for cell in row}
    named |= set(_strings(results.summary))
    assert "E03" in named  # its DUPLICATE_SSN finding names it
    assert not any("E08" in text for text in named)


def test_without_death_records_the_hr_evidence_is_not_checked(
    agency: Agency, run_verify: Callable[..., Results]
) -> None:
    result = run_verify(_agency(agency, deaths=False))
    va = _agencies(result)["VA"]
    assert va["did_not_reply"]["hr_record"] is None
    assert result.summary["existence"]["evidence"]["hr_record"]["checked"] is False
    assert va["did_not_reply"]["any_evidence"] == 3  # E02's activity, E05's and E10's pay
    with (result.out / "existence.csv").open(newline="", encoding="utf-8") as fh:
        assert {r["did_not_reply_hr_record"] for r in csv.DictReader(fh)} == {""}


def test_without_campaigns_there_is_no_section(
    agency: Agency, run_verify: Callable[..., Results]
) -> None:
    agency.employee("E1")
    agency.pay("E1", 3)
    result = run_verify(agency)
    assert "existence" not in result.summary
    assert not (result.out / "existence.csv").exists()


def test_the_interval_is_newcombes_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II, example (a), method 10.
    diff = rate_difference(
        Group(employees=70, with_finding=56), Group(employees=80, with_finding=48)
    )
    assert diff is not None
    assert diff["estimate"] == pytest.approx(0.2)
    assert (diff["ci_low"], diff["ci_high"]) == (
        pytest.approx(0.0524, abs=1e-4),
        pytest.approx(0.3339, abs=1e-4),
    )


@st.composite
def two_groups(draw: st.DrawFn) -> tuple[int, int, int, int]:
    n1 = draw(st.integers(1, 3_000_000))
    n2 = draw(st.integers(1, 3_000_000))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


@given(two_groups())
def test_the_interval_agrees_with_statsmodels(counts: tuple[int, int, int, int]) -> None:
    # statsmodels is the oracle (a dev dependency): verify computes the same interval
    # without paying its start-up.
    expected = confint_proportions_2indep(*counts, method="newcomb", compare="diff", alpha=0.05)
    assert newcombe_interval(*counts) == pytest.approx(
        (float(expected[0]), float(expected[1])), abs=1e-9
    )


def test_an_empty_group_has_no_interval() -> None:
    assert rate_difference(Group(employees=5), Group()) is None
    assert rate_difference(Group(), Group(employees=5)) is None


@pytest.mark.parametrize(
    ("n", "total", "text"),
    [(0, 7, "0%"), (7, 7, "100%"), (1, 3, "33.33%"), (811_950, 812_400, "99.94%"),
     (812_399, 812_400, ">99.99%"), (1, 812_400, "<0.01%"), (3, 0, "—")],
)  # fmt: skip
def test_shares_never_round_to_all_or_none(n: int, total: int, text: str) -> None:
    assert share(n, total) == text


def test_the_sentence_reads_aloud_in_every_case() -> None:
    one = Group(employees=1, any_evidence=1)
    assert sentence(one, Group(), None).startswith(
        "Of 1 employee who did not reply, 1 (100%) has independent evidence"
    )
    assert sentence(Group(), Group(employees=4, with_finding=1), None) == (
        "All 4 employees on the roster replied; 25.00% carry a high or medium finding."
    )
    many = Group(employees=812_400, any_evidence=811_950, with_finding=325)
    replied = Group(employees=100_000, with_finding=50)
    text = sentence(many, replied, rate_difference(many, replied))
    assert text.startswith(
        "Of 812,400 employees who did not reply, 811,950 (99.94%) have independent evidence "
        "of being current employees; 0.04% carry a high or medium finding, against 0.05% of "
        "those who replied (a difference of \u22120.01 percentage points; 95% confidence interval "
    )


def test_each_campaign_is_judged_on_its_own_send_date(
    agency: Agency, run_verify: Callable[..., Results]
) -> None:
    agency.campaign("C1", "VA")  # sent 2025-02-22: pay period 3 covers it
    agency.campaign("C2", "VA", sent_at="2025-06-14T09:00:00Z", deadline="2025-06-16T23:59:00Z")
    agency.employee("E1")
    agency.pay("E1", 3)
    agency.activity("E1", "2025-06-28")  # 14 days after C2's send date
    agency.employee("E2")
    agency.pay("E2", 11)  # the period ending 2025-06-14
    agency.checkin("E2", "Closed out the spring inventory and trained two new staff.", "C2")
    result = run_verify(agency)
    campaigns = {
        c["campaign_id"]: c["agencies"][0] for c in result.summary["existence"]["campaigns"]
    }
    c1, c2 = campaigns["C1"], campaigns["C2"]
    assert (c1["sent_on"], c2["sent_on"]) == ("2025-02-22", "2025-06-14")
    assert c1["did_not_reply"]["employees"] == 2 and c1["did_not_reply"]["regular_pay"] == 1
    assert c1["did_not_reply"]["activity"] == 0
    assert c2["replied"]["employees"] == 1 and c2["replied"]["regular_pay"] == 1
    assert c2["did_not_reply"]["regular_pay"] == 0 and c2["did_not_reply"]["activity"] == 1
