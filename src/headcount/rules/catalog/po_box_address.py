"""PO_BOX_ADDRESS: a roster home address that is a post-office box."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow
from headcount.rules.sql import finding_head, full_name


def query(d: Dialect) -> str:
    return f"""
    SELECT {finding_head(d, "PO_BOX_ADDRESS", "r.employee_id", d.array("r.employee_id"))},
           {full_name("r")} AS roster_name,
           a.address_key AS home_address_normalised,
           r.city, r.state
    FROM roster r JOIN roster_addresses a ON a.employee_id = r.employee_id
    WHERE a.po_box
    """


def summary(row: RuleRow) -> str:
    return (
        f"The roster's home address of {row['roster_name']} ({row['employee_ids'][0]}) is a "
        "post-office box, not a place anyone lives: "
        "confirm where the employee actually lives."
    )


WHY = (
    "The roster home address, once normalised (P.O. BOX, POST OFFICE BOX and POB read as "
    "PO BOX), is a post-office box. A ghost employee needs an address that receives mail "
    "but where nobody has to live; a real employee may simply have given a mailing address."
)


RULE = Rule(
    code="PO_BOX_ADDRESS",
    severity=Severity.LOW,
    title="Post-office box as home address",
    flags="A roster home address that is a post-office box (PO BOX, P.O. BOX, POST OFFICE "
    "BOX, POB).",
    amount="0: the rule puts no money at risk.",
    proper=(
        "A post-office box as the mailing address on payments (only the roster home address "
        "is judged).",
        "A street that merely contains the words (Post Office Road, Boxwood Lane).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster"}),
    scope=UNCHANGED_BY_PAYROLL,
)
