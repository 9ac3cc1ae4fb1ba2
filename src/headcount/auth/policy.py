"""Who may reach each route: the one table the server enforces (web/guard.py), deny by
default. A route of the app with no entry here makes `create_app` fail, and a request that
somehow reaches one anyway is refused.

Each entry maps (METHOD, path template as FastAPI writes it) to either
- a set of roles: a signed-in user with one of them (other users get 403, nobody 401), or
- PUBLIC: anyone (the login page, static files, the OpenAPI description), or
- CHECKIN_LINK: the route checks an employee's signed link or check-in session itself.
HEAD is checked as GET. docs/security.md is checked against this table by the tests.
"""

from __future__ import annotations

from enum import StrEnum

from headcount.auth.roles import Role


class Access(StrEnum):
    PUBLIC = "public"
    CHECKIN_LINK = "checkin-link"


Rule = Access | frozenset[Role]
PUBLIC, CHECKIN_LINK = Access.PUBLIC, Access.CHECKIN_LINK
EVERY_USER = frozenset(Role)
DASHBOARD = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})
AUDIT = frozenset({Role.AUDITOR, Role.ADMIN})
# Who looked at which record, day by day: for auditors alone (the CLI's `audit views`
# checks its `--as` user against the same set).
VIEWS_EXPORT = frozenset({Role.AUDITOR})
CASES_READ = frozenset({Role.ANALYST, Role.INTEGRITY, Role.FINANCE, Role.AUDITOR, Role.ADMIN})
CASES_WORK = frozenset({Role.ANALYST, Role.INTEGRITY, Role.ADMIN})
DEBTS_READ = CASES_READ
DEBTS_WORK = frozenset({Role.FINANCE, Role.ADMIN})
LETTERS_WORK = CASES_WORK | DEBTS_WORK

POLICY: dict[tuple[str, str], Rule] = {
    # Public: the front page, assets, API description, signing in.
    ("GET", "/"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/api/v1/session"): PUBLIC,
    # The employee's check-in: authorised by the emailed link and the session it opens.
    ("GET", "/c/{token}"): CHECKIN_LINK,
    ("POST", "/c"): CHECKIN_LINK,
    ("GET", "/code"): CHECKIN_LINK,
    ("POST", "/code"): CHECKIN_LINK,
    ("GET", "/checkin"): CHECKIN_LINK,
    ("POST", "/checkin"): CHECKIN_LINK,
    ("GET", "/checkin/done"): CHECKIN_LINK,
    ("POST", "/signout"): CHECKIN_LINK,
    ("POST", "/api/v1/replies"): CHECKIN_LINK,
    ("GET", "/api/v1/checkin"): CHECKIN_LINK,
    ("PUT", "/api/v1/checkin"): CHECKIN_LINK,
    # Any signed-in user: their own home page and signing out.
    ("GET", "/home"): EVERY_USER,
    ("POST", "/logout"): EVERY_USER,
    ("DELETE", "/api/v1/session"): EVERY_USER,
    # Response rates (counts only); supervisors and analysts see their own agency.
    ("GET", "/campaigns/{campaign_id}"): DASHBOARD,
    ("GET", "/api/v1/campaigns/{campaign_id}/rates"): DASHBOARD,
    # Cases: analysts (their agency), auditors and admins read; analysts and admins
    # act (the library checks the role, agency and state again: cases/access.py).
    ("GET", "/cases"): CASES_READ,
    # The search is a POST so that names and SSNs typed into it stay out of URLs and history.
    ("POST", "/cases"): CASES_READ,
    ("GET", "/cases/{case_id}"): CASES_READ,
    ("GET", "/cases/{case_id}/notices/{notice_id}"): CASES_READ,
    ("GET", "/cases/{case_id}/notices/{notice_id}/pdf"): CASES_READ,
    ("GET", "/cases/{case_id}/notices/{notice_id}/decision"): CASES_READ,
    ("GET", "/cases/{case_id}/attachments/{attachment_id}"): CASES_READ,
    ("POST", "/cases/{case_id}/steps/{step}"): CASES_WORK,
    ("POST", "/cases/{case_id}/reveal"): CASES_WORK,
    # Debts: finance (its agency) and admins act; whoever reads cases reads debts
    # (the library checks the role, agency and legal order again: cases/debts/ledger.py).
    ("GET", "/debts"): DEBTS_READ,
    ("GET", "/debts/{debt_id}"): DEBTS_READ,
    ("GET", "/debts/{debt_id}/notice/pdf"): DEBTS_READ,
    ("POST", "/debts/{debt_id}/steps/{step}"): DEBTS_WORK,
    # The case and debt API (web/case_api.py): the same roles as the pages.
    ("GET", "/api/v1/cases"): CASES_READ,
    ("GET", "/api/v1/cases/{case_id}"): CASES_READ,
    **{
        ("POST", f"/api/v1/cases/{{case_id}}/{step}"): CASES_WORK
        for step in (
            "verify",
            "notice",
            "no-contest",
            "determination",
            "dismissal",
            "close",
            "exceptions",
            "referrals",
            "exceptions/{item_id}/approval",
            "referrals/{item_id}/approval",
        )
    },
    ("GET", "/api/v1/debts"): DEBTS_READ,
    ("GET", "/api/v1/debts/{debt_id}"): DEBTS_READ,
    **{
        ("POST", f"/api/v1/debts/{{debt_id}}/{step}"): DEBTS_WORK
        for step in (
            "notice",
            "agreement",
            "payment",
            "offset",
            "waiver-request",
            "waiver-decision",
            "separation",
            "referral",
        )
    },
    # The outcome report (web/outcome_pages.py): counts and dollars, no one named; whoever
    # reads cases (a user of one agency sees that agency only: cases/outcomes/report.py).
    ("GET", "/outcomes"): CASES_READ,
    ("GET", "/outcomes/{kind}"): CASES_READ,  # the CSV and JSON downloads
    ("GET", "/api/v1/outcomes"): CASES_READ,
    # Letters (web/letter_api.py, case_pages.py): whoever reads cases reads them; case
    # workers record the delivery of case letters, finance of notices of debt (the library
    # checks which: cases/delivery/record.py).
    ("GET", "/api/v1/cases/{case_id}/letters"): CASES_READ,
    **{
        ("POST", f"/api/v1/letters/{{letter_id}}/{step}"): LETTERS_WORK
        for step in ("mailed", "delivered", "bounce")
    },
    ("POST", "/cases/{case_id}/letters/{letter_id}/mailed"): LETTERS_WORK,
    # The person named in a finding: authorised by the signed link in their notice letter.
    ("GET", "/notice/{token}"): CHECKIN_LINK,
    ("GET", "/n/{code}"): CHECKIN_LINK,  # the short link printed in the letter
    ("GET", "/notice/{token}/pdf"): CHECKIN_LINK,
    ("GET", "/notice/{token}/decision"): CHECKIN_LINK,
    ("POST", "/notice/{token}/contest"): CHECKIN_LINK,
    # Identity resolution's review queue: analysts (and admins) label candidate pairs.
    ("GET", "/review"): CASES_WORK,
    ("GET", "/review/{pair_id}"): CASES_WORK,
    ("POST", "/review/{pair_id}"): CASES_WORK,
    # The audit log.
    ("GET", "/audit"): AUDIT,
    ("POST", "/audit/export"): AUDIT,
    ("POST", "/audit/views/export"): VIEWS_EXPORT,
}


def rule_for(method: str, path: str) -> Rule | None:
    return POLICY.get(("GET" if method == "HEAD" else method, path))


def allows(rule: Rule, role: Role | None) -> bool:
    """Whether a user of `role` (None: nobody signed in) passes `rule` at the door; a
    CHECKIN_LINK route then still asks for its own link or session."""
    if isinstance(rule, Access):
        return True
    return role is not None and role in rule
