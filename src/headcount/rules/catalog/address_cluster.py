"""ADDRESS_CLUSTER: one home address shared by several unrelated active employees."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.rules.base import Rule, RuleRow, Scope
from headcount.rules.sql import finding_head, full_name

MIN_RESIDENTS = 4
MIN_SURNAMES = 3


def query(d: Dialect) -> str:
    resident = d.struct(
        employee_id="m.employee_id",
        name="m.name",
        hire_date="m.hire_date",
        separation_date="m.separation_date",
        agency="m.agency",
        org_code="m.org_code",
        supervisor_id="m.supervisor_id",
    )
    # Active on the last day the payroll covers (every record, with no payroll at all).
    return f"""
    WITH ref AS (SELECT max(pay_period_end) AS day FROM payroll),
    residents AS (
        SELECT r.employee_id, {full_name("r")} AS name, lower(trim(r.last_name)) AS surname,
               r.hire_date, r.separation_date, r.agency, r.org_code, r.supervisor_id,
               a.address_key, ref.day AS active_on
        FROM roster r JOIN roster_addresses a ON a.employee_id = r.employee_id
        CROSS JOIN ref
        WHERE a.address_key IS NOT NULL
          AND (r.separation_date IS NULL OR ref.day IS NULL OR r.separation_date >= ref.day)
    ),
    clusters AS (
        SELECT address_key, count(DISTINCT surname) AS surnames FROM residents
        GROUP BY address_key
        HAVING count(*) >= {MIN_RESIDENTS} AND count(DISTINCT surname) >= {MIN_SURNAMES}
    )
    SELECT {finding_head(d, "ADDRESS_CLUSTER", "c.address_key", d.sorted_list("m.employee_id"))},
           c.address_key AS address_normalised, c.surnames,
           max(m.active_on) AS active_on,
           {d.ordered_list(resident, "m.employee_id")} AS residents
    FROM clusters c JOIN residents m ON m.address_key = c.address_key
    GROUP BY c.address_key, c.surnames
    """


def summary(row: RuleRow) -> str:
    return (
        f"{len(row['residents'])} active employees with {row['surnames']} different surnames "
        "give one home address (in the evidence): "
        f"{', '.join(row['employee_ids'])}."
    )


WHY = (
    f"At least {MIN_RESIDENTS} active roster employees with at least {MIN_SURNAMES} "
    "different surnames share one home address once addresses are normalised (case, "
    "punctuation, street suffixes and unit words; the unit number kept; ZIP on 5 digits). "
    "Ghost employees are often given the address of the person who created them."
)


RULE = Rule(
    code="ADDRESS_CLUSTER",
    severity=Severity.MEDIUM,
    title="Many unrelated employees at one address",
    flags=f"One home address shared by {MIN_RESIDENTS} or more active roster employees "
    f"carrying {MIN_SURNAMES} or more different surnames.",
    amount="0: the rule puts no money at risk.",
    proper=(
        "A household: fewer than 3 surnames at the address, however many people.",
        "Neighbours in different units of one building (the unit number is part of the address).",
        "Former employees (separated before the last pay period) at the address.",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster"}),
    # The payroll counts only through its last period, which decides who is active and is
    # every finding's active_on: rerun whole when an appended row may move it (a period not
    # seen before; a move changes every finding's evidence, so no narrower key would do),
    # keep the findings otherwise.
    scope=Scope(key=None, touched="FALSE", new_combinations=("pay_period_end",)),
)
