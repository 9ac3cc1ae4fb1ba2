"""Output names of the data contract: findings, payees and severities."""

from __future__ import annotations

from enum import StrEnum

FINDING_COLUMNS = (
    "finding_id",
    "rule",
    "severity",
    "employee_ids",
    "payment_ids",
    "amount_at_risk",
    "summary",
    "evidence",
)

PAYEE_COLUMNS = ("employee_id", "status", "total_paid", "evidence_for", "evidence_against")

# finding_employees.csv: one row per finding and employee it names (see contract/ids.py).
FINDING_EMPLOYEE_COLUMNS = ("finding_id", "rule", "employee_id")


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


class PayeeStatus(StrEnum):
    VERIFIED = "verified"
    REVIEW = "review"
    FLAGGED = "flagged"


class RuleSkipped(Exception):
    """Raised by a rule's `prepare` when this dataset cannot support the rule (no birth
    date on the roster for the identity model to compare, say): the run goes on without
    the rule, and summary.json's rules.skipped gives the message as the reason."""
