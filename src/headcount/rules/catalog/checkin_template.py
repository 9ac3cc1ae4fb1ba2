"""CHECKIN_TEMPLATE: the same long reply from five or more people in one campaign."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.checkins_sql import attributed_checkins
from headcount.rules.sql import finding_head

MIN_PEOPLE = 5
MIN_LENGTH = 60


def query(d: Dialect) -> str:
    sender = f"coalesce(c.eid, {d.lower('c.work_email')})"
    return f"""
    WITH c AS (
        SELECT a.*, {d.collapse_non_alnum("a.text")} AS normalised
        FROM ({attributed_checkins(d)}) a WHERE a.text IS NOT NULL
    )
    SELECT {finding_head(d, "CHECKIN_TEMPLATE", "c.campaign_id || '|' || md5(c.normalised)", d.sorted_list("c.eid"))},
           c.campaign_id, count(DISTINCT {sender}) AS senders,
           length(c.normalised) AS normalised_length,
           min(c.text) AS example_text,
           {d.sorted_list("c._row")} AS checkin_rows
    FROM c
    WHERE length(c.normalised) >= {MIN_LENGTH}
    GROUP BY c.campaign_id, c.normalised
    HAVING count(DISTINCT {sender}) >= {MIN_PEOPLE}
    """


def summary(row: RuleRow) -> str:
    return (
        f"{row['senders']} people sent the same {row['normalised_length']}-character reply in "
        f"campaign {row['campaign_id']}, which suggests a template or one sender behind many "
        "names."
    )


WHY = (
    f"At least {MIN_PEOPLE} people sent replies that are identical after "
    "lower-casing and collapsing punctuation and spacing, and the reply is at least "
    f"{MIN_LENGTH} characters long (short replies like 'Worked on assigned tasks' are "
    "naturally common and are not flagged)."
)


RULE = Rule(
    code="CHECKIN_TEMPLATE",
    severity=Severity.MEDIUM,
    title="Templated check-in replies",
    flags=f"{MIN_PEOPLE} or more employees sent the same reply in one campaign (compared after "
    "lower-casing and collapsing every run of characters other than letters and digits to one "
    f"space), and the reply is at least {MIN_LENGTH} characters long.",
    amount="0: the rule puts no money at risk.",
    proper=(f"Short identical replies (under {MIN_LENGTH} characters after normalising).",),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"checkins"}),
    scope=UNCHANGED_BY_PAYROLL,
)
