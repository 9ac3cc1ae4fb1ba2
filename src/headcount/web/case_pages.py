"""Analysts' case pages: the list (search, filters), a case with its evidence and history,
each step of due process as a CSRF-protected form, the letters, attachments, and revealing
an SSN or account (role + reason, audited).

The library (headcount.cases) enforces the state machine, roles and agency scope; a case of
another agency answers 404, exactly like a case that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from headcount.audit.views import record_view
from headcount.cases import determinations, notices, workflow
from headcount.cases.access import WORKERS, Actor, CaseError, CaseNotFound, Forbidden, get_case
from headcount.cases.debts.models import Debt
from headcount.cases.delivery.models import Letter, LetterKind, LetterState
from headcount.cases.delivery.queue import letters_of, stored_letter
from headcount.cases.delivery.record import workers_for
from headcount.cases.letters import decision_html, evidence_in_words, letter_pdf, money, rule_title
from headcount.cases.models import Attachment, Case, Cause, Notice, Outcome, SafetyException, State
from headcount.cases.notices import agency_terms
from headcount.cases.reveal import identifiers, reveal_identifier
from headcount.cases.search import PAGE_SIZE, CaseFilter, search_cases
from headcount.pii import Keyring
from headcount.pipeline.payees import EVIDENCE_DESCRIPTIONS
from headcount.report.evidence_words import label, words
from headcount.rules import all_rules
from headcount.store import utcnow
from headcount.web.guard import app_store, client_address, principal
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
# The letter is a stand-alone document with its own inline styles, and no script.
LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
)
Step = Callable[[Session, int, Actor, FormData, Request], object]
STATE_WORDS = {
    State.OPEN: "Open: to be verified",
    State.VERIFIED: "Verified: notice not sent yet",
    State.NOTICE_SENT: "Notice sent: contest period running",
    State.CONTESTED: "Contested by the person named",
    State.NOT_CONTESTED: "Not contested",
    State.DETERMINED: "Decided",
    State.CLOSED: "Closed",
}
OUTCOME_WORDS = {
    Outcome.PROPER: "proper payment: dismissed, no action",
    Outcome.IMPROPER_OVERPAYMENT: "improper payment: overpaid",
    Outcome.IMPROPER_UNDERPAYMENT: "improper payment: underpaid",
    Outcome.TECHNICALLY_IMPROPER: "technically improper: right person and amount, a step missed",
    Outcome.UNKNOWN: "unknown: the documentation was not enough to decide",
}


def outcome_words(outcome: Outcome) -> str:
    return OUTCOME_WORDS[outcome]


# The fields each step needs, checked here first so that a missing one is named next to its
# box (the library checks again): (form name, field id on the page, message).
STEP_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "verify": [("source", "source", "Enter where the independent verification came from")],
    "determine": [
        ("outcome", "outcome-code", "Choose the outcome"),
        ("reason", "determine-reason", "Enter the determination: what was decided and why"),
    ],
    "referral": [("justification", "referral-justification", "Describe why fraud is suspected")],
    "dismiss": [("reason", "dismiss-reason", "Enter why the finding is dismissed")],
    "exception": [
        ("justification", "justification", "Describe the threat to public health or safety")
    ],
}


# What the page says after each step succeeds (the redirect names the step).
DONE = {
    "verify": "The independent verification is recorded. Next: send the notice.",
    "notice": "The notice letters are written, each with the person's link, and queued for "
    "delivery. The contest period starts when each letter is recorded as emailed or mailed.",
    "no-contest": "Recorded: no contest came before the deadline.",
    "determine": "The determination is recorded. Each person named can now get the decision "
    "letter.",
    "referral": "Your request for a referral is recorded. Another integrity officer must "
    "approve it.",
    "approve-referral": "Your approval of the referral is recorded.",
    "dismiss": "The finding is dismissed. Each person named can now get the decision letter.",
    "close": "The case is closed.",
    "mailed": "The mailing date is recorded: the letter's period counts from that day.",
    "exception": "Your request for an exception is recorded. It needs the approval of two "
    "other users.",
    "approve": "Your approval is recorded.",
}


def status_of(case: Case) -> str:
    """The case's state in words; a decision says which one (a dismissal is not a
    confirmed improper payment)."""
    words = STATE_WORDS[State(case.state)]
    if case.state == State.NOTICE_SENT and case.contest_deadline is None:
        words = "Notice written: waiting for its delivery to start the contest period"
    if case.outcome:
        return f"{words}: {OUTCOME_WORDS.get(Outcome(case.outcome), case.outcome)}"
    return words


def missing_fields(step: str, form: FormData) -> dict[str, str]:
    return {
        field_id: message
        for name, field_id, message in STEP_FIELDS.get(step, [])
        if not _field(form, name).strip()
    }


# The library names the field a refusal is about at the start of its message.
FIELD_OF_LABEL = {
    "the verification source": "source",
    "the note": "note",
    "the justification": "justification",
    "the identified amount": "identified",
    "the prevented amount": "prevented",
    "the overpayment amount": "overpayment",
    "the outcome": "outcome-code",
    "the reason": "{step}-reason",
}


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def step_errors(step: str, message: str) -> dict[str, str]:
    """A refusal from the library against the box it is about, when there is one."""
    lower = message.lower()
    for prefix, field_id in FIELD_OF_LABEL.items():
        if lower.startswith(prefix):
            return {field_id.format(step=step): sentence(message)}
    return {}


def keyring(request: Request) -> Keyring:
    ring: Keyring | None = request.app.state.keyring
    if ring is None:
        ring = request.app.state.keyring = Keyring.load()
    return ring


def actor(request: Request) -> Actor:
    return Actor.of(principal(request), client_address(request))


def _base_url(request: Request) -> str:
    return str(getattr(request.app.state, "base_url", None) or request.base_url)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _id(form: FormData, name: str) -> int:
    text = _field(form, name)
    return int(text) if text.isdigit() and len(text) < 19 else 0


STEPS: dict[str, Step] = {
    "verify": lambda s, cid, a, f, r: workflow.verify(
        s, cid, a, source=_field(f, "source"), note=_field(f, "note")
    ),
    "notice": lambda s, cid, a, f, r: notices.send_notice(
        s, cid, a, signer=r.app.state.contest_signer, base_url=_base_url(r)
    ),
    "no-contest": lambda s, cid, a, f, r: workflow.record_no_contest(s, cid, a),
    "determine": lambda s, cid, a, f, r: determinations.determine(
        s,
        cid,
        a,
        outcome=_field(f, "outcome"),
        cause=_field(f, "cause") or None,
        identified=_field(f, "identified"),
        prevented=_field(f, "prevented"),
        overpayment=_field(f, "overpayment"),
        reason=_field(f, "reason"),
        debtor=_field(f, "debtor") or None,
    ),
    "dismiss": lambda s, cid, a, f, r: determinations.dismiss(
        s, cid, a, reason=_field(f, "reason")
    ),
    "referral": lambda s, cid, a, f, r: determinations.request_referral(
        s, cid, a, justification=_field(f, "justification")
    ),
    "approve-referral": lambda s, cid, a, f, r: determinations.approve_referral(
        s, cid, _id(f, "referral_id"), a
    ),
    "close": lambda s, cid, a, f, r: workflow.close(s, cid, a),
    "exception": lambda s, cid, a, f, r: workflow.request_exception(
        s, cid, a, justification=_field(f, "justification")
    ),
    "approve": lambda s, cid, a, f, r: workflow.approve_exception(
        s, cid, _id(f, "exception_id"), a
    ),
}


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request) -> HTMLResponse:
    """Every case in the user's scope, first page. Searching is `POST /cases`: a query
    string here is ignored, so a name or SSN never has a reason to be in a URL."""
    return _case_list(request, CaseFilter.of({}), 1)


@router.post("/cases", response_class=HTMLResponse)
async def case_search(request: Request) -> HTMLResponse:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    values = {name: _field(form, name) for name in form if name != CSRF_FIELD}
    page_text = values.get("page") or "1"
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    return await to_thread.run_sync(_case_list, request, CaseFilter.of(values), page)


def _case_list(request: Request, filters: CaseFilter, page: int) -> HTMLResponse:
    who = actor(request)
    with app_store(request).begin() as s:
        rows, total = search_cases(s, who, filters, page)
        listed = [(c, [p.employee_id for p in c.people]) for c in rows]
    return render(
        request, "cases.html.j2", rows=listed, total=total, filters=filters, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), states=[s.value for s in State],
        rules=[r.code for r in all_rules()], money=money, state_words=STATE_WORDS,
        status_of=status_of,
    )  # fmt: skip


@dataclass(frozen=True)
class Offers:
    """The steps the case page offers this user now: only those the library would accept,
    so no button leads to a refusal."""

    verify: bool
    notice: bool
    no_contest: bool
    determine: bool
    dismiss: bool
    close: bool
    exceptions: bool
    contact_missing: bool


def offers(s: Session, case: Case, who: Actor) -> Offers:
    if who.role not in WORKERS:
        return Offers(*[False] * 8)
    state, now = State(case.state), utcnow()
    return Offers(
        verify=state == State.OPEN,
        notice=state == State.VERIFIED,
        no_contest=state == State.NOTICE_SENT and workflow.contest_period_over(case, now),
        determine=workflow.adverse_step_allowed(s, case, now)[0],
        dismiss=state in workflow.OPEN_STATES,
        close=state == State.DETERMINED,
        exceptions=state in workflow.UNDER_EXCEPTION,
        contact_missing=state == State.VERIFIED
        and not agency_terms(s, {p.agency for p in case.people}).contact,
    )


def may_mail(letter: Letter, who: Actor) -> bool:
    """Whether the page offers this user the form recording that a printed letter was mailed."""
    return letter.state == LetterState.PRINTED.value and who.role in workers_for(letter)


def _detail(request: Request, case_id: int, status: int = 200, **extra: Any) -> HTMLResponse:
    """The case page, rendered inside its transaction (the template walks relationships)."""
    who = actor(request)
    for key, default in (("errors", {}), ("typed", {}), ("failed_step", ""), ("error", "")):
        extra.setdefault(key, default)
    try:
        with app_store(request).begin() as s:
            case = get_case(s, case_id, who)
            why, facts, payments = evidence_in_words(json.loads(case.evidence))
            record_view(
                s, actor=who.username, action="case.view", target_type="case", target_id=case.id,
                client=who.client,
            )  # fmt: skip
            exceptions = s.scalars(
                select(SafetyException).where(SafetyException.case_id == case.id)
            )
            return render(
                request, "case.html.j2", status, may=offers(s, case, who),
                title=rule_title(case.rule), money=money, evidence_words=EVIDENCE_DESCRIPTIONS,
                case=case, people=list(case.people), events=list(case.events),
                notices=list(case.notices), status_of=status_of, label=label,
                contests=[(n, c, list(c.attachments)) for n in case.notices for c in n.contests],
                exceptions=list(exceptions), ids=identifiers(s, keyring(request), case, who),
                referrals=determinations.referrals(s, case), outcomes=list(Outcome),
                causes=list(Cause), outcome_words=outcome_words,
                debt=s.scalars(select(Debt).where(Debt.case_id == case.id)).first(),
                why=why, facts=facts, evidence_payments=payments, words=words,
                evidence=json.loads(case.evidence), approvals_needed=workflow.APPROVALS_NEEDED,
                done=DONE.get(request.query_params.get("done") or ""),
                letters=[(x, may_mail(x, who)) for x in letters_of(s, case.id)], **extra,
            )  # fmt: skip
    except CaseNotFound:
        return error_page(request, 404, "There is no case with that id.")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, case_id: int) -> HTMLResponse:
    return _detail(request, case_id)


@router.post("/cases/{case_id}/steps/{step}", response_class=HTMLResponse)
async def case_step(request: Request, case_id: int, step: str) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    take = STEPS.get(step)
    if take is None:
        return error_page(request, 404, "There is no such step.")
    who = actor(request)
    typed = {name: _field(form, name) for name in form if name != CSRF_FIELD}
    missing = missing_fields(step, form)
    if missing:
        return await to_thread.run_sync(
            lambda: _detail(request, case_id, 422, errors=missing, typed=typed, failed_step=step)
        )

    def run() -> None:
        with app_store(request).begin() as s:
            take(s, case_id, who, form, request)

    try:
        await to_thread.run_sync(run)
    except CaseNotFound:
        return error_page(request, 404, "There is no case with that id.")
    except Forbidden as exc:
        back = (f"/cases/{case_id}", f"Back to case #{case_id}")
        return error_page(request, 403, sentence(str(exc)), back=back)
    except (CaseError, ValueError) as exc:
        message = str(exc)
        errors = step_errors(step, message)
        error = "" if errors else sentence(message)
        return await to_thread.run_sync(
            lambda: _detail(
                request, case_id, 409, errors=errors, error=error, typed=typed, failed_step=step
            )
        )
    return RedirectResponse(f"/cases/{case_id}?done={step}", status_code=303)


REASON_MISSING = "Say why you need to see it (at least 10 characters)."


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
async def case_reveal(request: Request, case_id: int) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    value_id = _field(form, "value_id")
    who = actor(request)
    field_id, reason = f"reason-{value_id if value_id.isdigit() else 0}", _field(form, "reason")
    kept = {"typed": {"reason": reason}, "failed_step": field_id}
    if not reason.strip():
        return await to_thread.run_sync(
            lambda: _detail(request, case_id, 422, errors={field_id: REASON_MISSING}, **kept)
        )
    try:
        with app_store(request).begin() as s:
            person, label, clear = reveal_identifier(
                s, keyring(request), case_id, int(value_id) if value_id.isdigit() else 0,
                who, _field(form, "reason"),
            )  # fmt: skip
            revealed = {"employee_id": person.employee_id, "label": label, "value": clear}
    except CaseNotFound:
        return error_page(request, 404, "There is no such case or identifier.")
    except Forbidden as exc:
        back = (f"/cases/{case_id}", f"Back to case #{case_id}")
        return error_page(request, 403, sentence(str(exc)), back=back)
    except (CaseError, ValueError) as exc:
        errors = {field_id: sentence(str(exc))}
        return await to_thread.run_sync(
            lambda: _detail(request, case_id, 422, errors=errors, **kept)
        )
    return await to_thread.run_sync(lambda: _detail(request, case_id, revealed=revealed))


def _notice(request: Request, case_id: int, notice_id: int) -> Notice | None:
    with app_store(request).begin() as s:
        case = get_case(s, case_id, actor(request))
        notice = s.get(Notice, notice_id)
        if notice is None or notice.case_id != case.id:
            return None
        s.expunge(notice)
        return notice


def _notice_or_404(
    request: Request, case_id: int, notice_id: int, respond: Callable[[Notice], Response]
) -> Response:
    try:
        notice = _notice(request, case_id, notice_id)
    except CaseNotFound:
        notice = None
    if notice is None:
        return error_page(request, 404, "There is no such notice.")
    return respond(notice)


@router.get("/cases/{case_id}/notices/{notice_id}", response_class=HTMLResponse)
def notice_letter(request: Request, case_id: int, notice_id: int) -> Response:
    return _notice_or_404(
        request, case_id, notice_id,
        lambda n: HTMLResponse(n.html, headers={"Content-Security-Policy": LETTER_CSP}),
    )  # fmt: skip


@router.get("/cases/{case_id}/notices/{notice_id}/pdf")
def notice_pdf(request: Request, case_id: int, notice_id: int) -> Response:
    return _notice_or_404(request, case_id, notice_id, pdf_response)


def pdf_response(notice: Notice) -> Response:
    return pdf_download(notice.pdf, f"notice-{notice.id}.pdf")


def pdf_download(data: bytes, name: str) -> Response:
    return Response(
        data, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


NO_CONTACT = "the payroll office named in your letter"


def contact_of(s: Session, notice: Notice) -> str:
    return agency_terms(s, {p.agency for p in notice.case.people}).contact or NO_CONTACT


def decision_letter(request: Request, s: Session, notice: Notice) -> str:
    """The decision letter for the person a notice went to, made from the recorded decision
    each time it is asked for, so it always matches the case. CaseError before a decision."""
    link = notices.short_link(request.app.state.contest_signer, _base_url(request), notice.id)
    return decision_html(
        notice.case, notice.person, agency_contact=contact_of(s, notice), link=link
    )


def decision_pdf_of(request: Request, s: Session, notice: Notice) -> bytes:
    """The decision letter as stored when the determination was recorded (what was sent);
    made from the recorded decision for a case decided before letters were stored."""
    stored = stored_letter(s, notice.case_id, notice.person_id, LetterKind.DECISION)
    if stored is not None:
        return stored.pdf
    return letter_pdf(decision_letter(request, s, notice))


@router.get("/cases/{case_id}/notices/{notice_id}/decision")
def staff_decision_pdf(request: Request, case_id: int, notice_id: int) -> Response:
    try:
        with app_store(request).begin() as s:
            case = get_case(s, case_id, actor(request))
            notice = s.get(Notice, notice_id)
            if notice is None or notice.case_id != case.id:
                raise CaseNotFound(case_id)
            pdf = decision_pdf_of(request, s, notice)
    except CaseNotFound:
        return error_page(request, 404, "There is no such notice.")
    except CaseError as exc:
        back = (f"/cases/{case_id}", f"Back to case #{case_id}")
        return error_page(request, 409, sentence(str(exc)), back=back)
    return pdf_download(pdf, f"decision-{notice_id}.pdf")


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def attachment(request: Request, case_id: int, attachment_id: int) -> Response:
    with app_store(request).begin() as s:
        try:
            case = get_case(s, case_id, actor(request))
        except CaseNotFound:
            return error_page(request, 404, "There is no such attachment.")
        found = s.get(Attachment, attachment_id)
        owner = {c.id for n in case.notices for c in n.contests}
        if found is None or found.contest_id not in owner:
            return error_page(request, 404, "There is no such attachment.")
        return contests_download(found)


def contests_download(found: Attachment) -> Response:
    """Always a download, never rendered in the browser, whatever its type."""
    return Response(
        found.data, media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )  # fmt: skip
