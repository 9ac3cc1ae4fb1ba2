"""CHECKIN_FROM_INACTIVE: a reply in the name of someone separated or dead before it was asked."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow, plain_evidence, when
from headcount.rules.catalog.paid_after_death import DEATH_RECORD
from headcount.rules.checkins_sql import attributed_checkins
from headcount.rules.sql import finding_head, full_name


def query(d: Dialect) -> str:
    checkin = d.struct(
        row="c._row",
        submitted_at="c.submitted_at",
        source="c.source",
        work_email="c.work_email",
        text_excerpt="substr(c.text, 1, 200)",
    )
    return f"""
    WITH c AS ({attributed_checkins(d)}),
    sent AS (
        SELECT c.campaign_id, c.eid, coalesce(min(own.sent_at), min(any_row.sent_at)) AS sent_at
        FROM c JOIN roster r ON r.employee_id = c.eid
        LEFT JOIN campaigns own ON own.campaign_id = c.campaign_id AND own.agency = r.agency
        LEFT JOIN campaigns any_row ON any_row.campaign_id = c.campaign_id
        GROUP BY c.campaign_id, c.eid
    ),
    dead AS ({DEATH_RECORD}),
    inactive AS (
        SELECT s.campaign_id, s.eid, s.sent_at, r.separation_date,
               dead.date_of_death, dead.death_source, dead.death_row,
               CASE WHEN r.separation_date < CAST(s.sent_at AS DATE) THEN 'separated'
                    ELSE 'died' END AS reason
        FROM sent s JOIN roster r ON r.employee_id = s.eid
        LEFT JOIN dead ON dead.employee_id = s.eid
        WHERE r.separation_date < CAST(s.sent_at AS DATE)
           OR dead.date_of_death < CAST(s.sent_at AS DATE)
    )
    SELECT {
        finding_head(d, "CHECKIN_FROM_INACTIVE", "i.campaign_id || '|' || i.eid", d.array("i.eid"))
    },
           i.reason, {full_name("r")} AS roster_name,
           i.campaign_id, i.sent_at AS campaign_sent_at, i.separation_date,
           {
        d.struct(source="i.death_source", row="i.death_row", date_of_death="i.date_of_death")
    } AS death_record,
           {d.ordered_list(checkin, "c._row")} AS checkins
    FROM inactive i JOIN roster r ON r.employee_id = i.eid
    JOIN c ON c.eid = i.eid AND c.campaign_id = i.campaign_id
    GROUP BY i.campaign_id, i.eid, i.reason, r.first_name, r.last_name, i.sent_at,
             i.separation_date, i.death_source, i.death_row, i.date_of_death
    """


def summary(row: RuleRow) -> str:
    who = f"{row['roster_name']} ({row['employee_ids'][0]})"
    if row["reason"] == "separated":
        gone = f"separated on {row['separation_date']}"
    else:
        gone = f"died on {row['death_record']['date_of_death']} per a matching death record"
    return (
        f"A check-in for campaign {row['campaign_id']} (sent {when(row['campaign_sent_at'])}) is "
        f"attributed to {who}, who {gone}, before the campaign was sent."
    )


def evidence(row: RuleRow) -> dict[str, object]:
    facts = plain_evidence(row)
    if row["reason"] == "separated":
        facts.pop("death_record", None)
    return facts


RULE = Rule(
    code="CHECKIN_FROM_INACTIVE",
    severity=Severity.MEDIUM,
    title="Check-in from an inactive employee",
    flags="A check-in attributed to an employee who had separated (separation date before the "
    "campaign's sent date) or died (a PAID_AFTER_DEATH-grade death record dated before it) "
    "before the campaign was sent.",
    amount="0: the rule puts no money at risk.",
    proper=("Not replying is never a finding, whatever the campaign's policy.",),
    query=query,
    summary=summary,
    why="Someone replied in the name of a person who was no longer employed or alive when "
    "the request went out: the account or mailbox may be in use by someone else.",
    evidence=evidence,
    needs=frozenset({"roster", "campaigns", "checkins"}),
    scope=UNCHANGED_BY_PAYROLL,
)
