"""The letters as a person reads them: tagged PDF/UA (checked with pypdf), human labels, a
short link, the agency contact required, no other person's identifiers, and a decision
letter for each kind of decision; a clear message when WeasyPrint is missing."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from casekit import CONTACTS, SECRET, case_id, emailed, matched
from pdfcheck import entry, is_tagged
from pypdf import PdfReader

from headcount.cases import determinations, notices, workflow
from headcount.cases.access import Actor, CaseError
from headcount.cases.letters import (
    LettersNotInstalled,
    decision_html,
    letter_html,
    letter_pdf,
    summary_for,
)
from headcount.cases.models import Case, Notice, Person
from headcount.store import Store

BASE = "https://hc.example.gov"
SENT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
DEATH_EVIDENCE = {
    "why": "A death record matches this payee.",
    "ssn": "***-**-6789",
    "death_record": {
        "date_of_death": "2025-01-02",
        "date_of_death_partial": False,
        "source": "deaths.csv",
        "row": 7,
    },
    "roster_records": [{"employee_id": "A2", "name": "Other Person"}],
    "payments": [
        {
            "payment_id": "P1",
            "payment_type": "regular",
            "pay_period_start": "2025-01-05",
            "pay_period_end": "2025-01-18",
            "pay_date": "2025-01-24",
            "gross_pay": "3846.15",
            "at_risk": "3846.15",
        },
    ],
}


def _duplicate_ssn_case() -> Case:
    case = Case(
        id=1, finding_id="HC-0123456789ab", rule="DUPLICATE_SSN", severity="high",
        summary="The same SSN (***-**-6789) is on 2 roster records: A1, A2.",
        evidence=json.dumps(DEATH_EVIDENCE), amount_at_risk=Decimal(0), state="notice_sent",
    )  # fmt: skip
    case.people = [
        Person(employee_id="A1", name="Ann Reader", agency="VA"),
        Person(employee_id="A2", name="Other Person", agency="VA"),
    ]
    return case


def _notice_html(case: Case, reader: Person) -> str:
    return letter_html(
        case, reader, sent_at=SENT, deadline=SENT + timedelta(days=30),
        link=notices.short_link(notices.contest_signer(SECRET), BASE, 41), agency_contact=CONTACTS["VA"],
    )  # fmt: skip


def test_a_letter_names_only_its_reader_with_human_labels_and_a_short_link() -> None:
    case = _duplicate_ssn_case()
    reader, _other = case.people
    html = _notice_html(case, reader)
    assert "A2" not in html and "Other Person" not in html
    assert "another employee record" in summary_for(case, reader)
    for raw in ("Ssn:", "Date of death partial", "deaths.csv", "Roster records"):
        assert raw not in html, raw
    assert "Social Security number (last 4 digits): ***-**-6789" in html
    assert "Where the record comes from: the death records file" in html
    assert "Only part of the date of death is recorded: no" in html
    link = matched(r'<p class="link">([^<]+)</p>', html)
    assert re.fullmatch(rf"{BASE}/n/41-[a-z2-7]{{12}}", link) and len(link) < 45
    assert CONTACTS["VA"] in html and "your agency's payroll office" not in html


def test_the_pdf_is_tagged_pdf_ua() -> None:
    case = _duplicate_ssn_case()
    reader = PdfReader(io.BytesIO(letter_pdf(_notice_html(case, case.people[0]))))
    root = reader.root_object
    assert entry(root, "/MarkInfo", "/Marked") == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root and entry(root, "/Lang") == "en"
    assert entry(root, "/ViewerPreferences", "/DisplayDocTitle") == True  # noqa: E712
    assert reader.metadata is not None and "Notice of a payroll finding" in str(
        reader.metadata.title
    )
    assert reader.xmp_metadata is not None
    assert "pdfuaid" in reader.xmp_metadata.stream.get_data().decode("utf-8", "replace")
    tags = _structure_tags(entry(root, "/StructTreeRoot"))
    assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI"} <= tags
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Ssn:" not in text and "another employee record" in text


def _structure_tags(node: object) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if hasattr(item, "get_object"):
            item = item.get_object()
        if isinstance(item, dict):
            if "/S" in item:
                found.add(str(item["/S"]))
            if "/K" in item:
                stack.append(item["/K"])
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_a_missing_weasyprint_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import raises ImportError
    with pytest.raises(LettersNotInstalled, match=r"pip install 'headcount\[letters\]'"):
        letter_pdf("<p>x</p>")


def test_no_notice_without_an_agency_contact(imported: Store, users: dict[str, Actor]) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    with imported.begin() as s:
        notices.set_agency_terms(s, "VA", contact="")
    with imported.begin() as s:
        workflow.verify(s, cid, users["ana"], source="HR separation record")
    with pytest.raises(CaseError, match="no contact is set for VA"), imported.begin() as s:
        notices.send_notice(
            s, cid, users["ana"], signer=notices.contest_signer(SECRET), base_url=BASE
        )
    with imported.begin() as s:
        assert s.get_one(Case, cid).state == "verified"
        assert s.query(Notice).count() == 0


@pytest.mark.parametrize("outcome", ["dismissed", "confirmed"])
def test_a_decision_letter_for_every_decision(
    imported: Store, users: dict[str, Actor], outcome: str
) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    ana, signer = users["ana"], notices.contest_signer(SECRET)
    with imported.begin() as s:
        workflow.verify(s, cid, ana, source="HR separation record")
    with imported.begin() as s:
        (notice,) = notices.send_notice(s, cid, ana, signer=signer, base_url=BASE, now=SENT)
        person = notice.person
        with pytest.raises(CaseError, match="no decision yet"):
            decision_html(notice.case, person, agency_contact="x", link="y")
    if outcome == "confirmed":
        emailed(imported, cid, SENT)  # the period counts from the delivery
    with imported.begin() as s:
        if outcome == "dismissed":
            determinations.dismiss(s, cid, ana, reason="The separation was rescinded; pay was due.")
        else:
            workflow.record_no_contest(s, cid, ana, now=SENT + timedelta(days=31))
            determinations.determine(
                s, cid, ana, outcome="improper_overpayment", cause="administrative_error_agency",
                overpayment="7692.30", reason="Paid after separation.",
                now=SENT + timedelta(days=31),
            )  # fmt: skip
    with imported.begin() as s:
        case = s.get_one(Case, cid)
        html = decision_html(case, case.people[0], agency_contact=CONTACTS["VA"], link="L")
    text = re.sub(r"\s+", " ", html)
    if outcome == "dismissed":
        assert "The finding has been dismissed." in text
        assert "No action will be taken against you because of it" in text
        assert "The separation was rescinded; pay was due." in text
    else:
        assert "you were overpaid by $7,692.30" in text
        assert "Nothing will be taken from your pay because of this letter" in text
        assert "Paid after separation." in text
    assert CONTACTS["VA"] in text
    assert is_tagged(letter_pdf(html))
