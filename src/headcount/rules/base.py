"""What a rule is: data (code, severity, texts) plus a query and two small functions.

A rule's query returns one row per finding with these columns:
    finding_key     VARCHAR         stable identity of the finding within the rule
    employee_ids    LIST<VARCHAR>   the people it names
    payment_ids     LIST<VARCHAR>   the payments that make up its amount (may be empty)
    amount_at_risk  DECIMAL(18,2)   0 where the rule puts no money at risk
    severity        VARCHAR         optional: only for rules whose severity varies per finding
and any further columns, which become the finding's evidence. Payments in evidence are a
list of structs with `payment_id` and `at_risk`, so every dollar traces to a payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from headcount.contract.findings import Severity
from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect

RuleRow = Mapping[str, Any]
STANDARD_COLUMNS = ("finding_key", "employee_ids", "payment_ids", "amount_at_risk", "severity")


def plain_evidence(row: RuleRow) -> dict[str, Any]:
    """Every non-standard column of the query row; `_`-prefixed columns stay private."""
    return {k: v for k, v in row.items() if k not in STANDARD_COLUMNS and not k.startswith("_")}


Why = str | Callable[[RuleRow], str]


@dataclass(frozen=True)
class Scope:
    """What a payroll append (one more pay period) can change in a rule's findings.

    `verify --state` (pipeline/stateful/incremental.py) reads it; a full run ignores it, and the
    rule's query is the same in both.

    key: SQL over a payroll row `p`: the key the rule groups its findings by. Every
        finding belongs to one key ('CODE|' || key is its `owner` column) and depends only
        on the payroll rows with that key (and on tables an append leaves alone), so
        recomputing the query over the rows of some keys gives exactly those keys'
        findings. None: the rule's findings depend on the payroll, if at all, only as a
        whole; they are kept as they are unless an appended row is `touched`, and then
        the whole rule reruns.
    touched: SQL condition over an appended row `p`, which may read `payroll` (every row,
        old and new), `appended` (the new rows) and the other tables: FALSE only where the
        row cannot make a finding appear for its key (with key None: cannot change any
        finding). A key that already has a finding is recomputed whenever it gets a row,
        whatever this says.
    new_combinations: payroll columns whose combination, when no earlier row had it, also
        makes a row count as touched (the state keeps the combinations seen, so this costs
        a lookup among distinct combinations rather than a pass over every payment).
    owner: the query's column holding 'CODE|' || key: finding_key itself, or, for a rule
        with several findings per key (PAY_SPIKE: one per payment, recomputed per
        employee), a private `_`-prefixed column, so that a key's findings are known
        exactly whatever characters the ids hold.
    """

    key: str | None
    touched: str = "TRUE"
    new_combinations: tuple[str, ...] = ()
    owner: str = "finding_key"


# Rules over the roster, deaths and check-ins only: an appended pay period changes nothing.
UNCHANGED_BY_PAYROLL = Scope(key=None, touched="FALSE")

# Where a rule comes from: headcount itself, or the distribution of an installed plugin.
BUILT_IN = "headcount"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str
    flags: str  # what it flags, one or two sentences for reviewers and the docs
    amount: str  # what amount_at_risk means for this rule
    query: Callable[[Dialect], str]
    summary: Callable[[RuleRow], str]  # one plain-English sentence a reviewer can read aloud
    why: Why  # why the rule fired, in words: the first item of every finding's evidence
    evidence: Callable[[RuleRow], dict[str, Any]] = plain_evidence
    proper: tuple[str, ...] = ()  # look-alikes the rule deliberately does not flag
    needs: frozenset[str] = field(default_factory=lambda: frozenset({"roster", "payroll"}))
    other_severities: tuple[Severity, ...] = ()  # when `severity` varies per finding
    # Work to do before the query, such as fitting a model whose output the query reads;
    # run once per verify, after the shared relations of rules/prepare.py.
    prepare: Callable[[Engine], None] | None = None
    # What an appended pay period can change (see Scope); None: rerun the whole rule.
    scope: Scope | None = None
    # Set by the registry: BUILT_IN, or the name of the package that installed the rule.
    origin: str = BUILT_IN

    @property
    def severities(self) -> tuple[Severity, ...]:
        return (self.severity, *self.other_severities)

    def build_evidence(self, row: RuleRow) -> dict[str, Any]:
        why = self.why(row) if callable(self.why) else self.why
        return {"why": why, **self.evidence(row)}


def money(value: Any) -> str:
    """Dollars for sentences: $1,234.56."""
    return f"${float(value or 0):,.2f}"


def when(value: Any) -> str:
    """Dates as YYYY-MM-DD and timestamps as ISO 8601 UTC, as the contract writes them."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
