"""IDENTITY_MISMATCH: the SSN (or, at low severity, the name) on a payment is not the roster's."""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.dialect import Dialect
from headcount.matching.names import NICKNAME_TABLE, norm
from headcount.rules.base import Rule, RuleRow, Scope, plural
from headcount.rules.sql import finding_head, full_name, masked_ssn, norm_text, payments_list


def _name_agreement(d: Dialect) -> str:
    """Per distinct (employee, payee_name): does the name on the payment carry the roster name?

    The surname must appear (one typo or transposition allowed, compound names whole) and
    some word must be the given name, a nickname of it, within one typo, or its initial.
    Names that carry both exactly are settled without splitting them into words.
    """
    surname, given = norm_text(d, "r.last_name"), norm(d, "r.first_name")
    padded = "' ' || n.collapsed || ' '"
    return f"""
    WITH names AS (
        SELECT n.*, {surname} AS surname, {given} AS given,
               ({padded} LIKE '% ' || {surname} || ' %'
                AND {padded} LIKE '% ' || {given} || ' %') AS exact
        FROM (SELECT employee_id, payee_name, {norm_text(d, "payee_name")} AS collapsed
              FROM (SELECT DISTINCT employee_id, payee_name FROM payroll
                    WHERE payee_name IS NOT NULL AND employee_id IS NOT NULL) distinct_names
             ) n
        JOIN roster r ON r.employee_id = n.employee_id
    ),
    words AS (
        SELECT employee_id, payee_name, collapsed, surname, given,
               {d.explode(d.words("collapsed"))} AS word
        FROM names WHERE NOT exact
    ),
    judged AS (
        SELECT w.employee_id, w.payee_name,
               max(CASE WHEN ' ' || w.collapsed || ' ' LIKE '% ' || w.surname || ' %'
                          OR coalesce({d.osa_within_one("w.word", "w.surname")}, FALSE)
                        THEN 1 ELSE 0 END) = 1
               AND max(CASE WHEN w.word = w.given OR w.word = substr(w.given, 1, 1)
                              OR coalesce({d.edit_distance("w.word", "w.given")} <= 1, FALSE)
                              OR nk.a IS NOT NULL
                            THEN 1 ELSE 0 END) = 1 AS agrees
        FROM words w
        LEFT JOIN {NICKNAME_TABLE} nk ON nk.a = w.word AND nk.b = w.given
        GROUP BY w.employee_id, w.payee_name
    )
    SELECT employee_id, payee_name FROM judged WHERE NOT agrees
    """


def query(d: Dialect) -> str:
    return f"""
    WITH differing_names AS ({_name_agreement(d)}),
    mismatched AS (
        SELECT p.*,
               (p.ssn IS NOT NULL AND r.ssn IS NOT NULL AND p.ssn <> r.ssn) AS ssn_differs,
               dn.employee_id IS NOT NULL AS name_differs
        FROM payroll p
        JOIN roster r ON r.employee_id = p.employee_id
        LEFT JOIN differing_names dn
               ON dn.employee_id = p.employee_id AND dn.payee_name = p.payee_name
        WHERE (p.ssn IS NOT NULL AND r.ssn IS NOT NULL AND p.ssn <> r.ssn)
           OR dn.employee_id IS NOT NULL
    )
    SELECT {finding_head(d, "IDENTITY_MISMATCH", "p.employee_id", d.array("p.employee_id"), payments=d.sorted_list("p.payment_id"))},
           CASE WHEN max(CASE WHEN p.ssn_differs THEN 1 ELSE 0 END) = 1
                THEN 'medium' ELSE 'low' END AS severity,
           {full_name("r")} AS roster_name,
           {masked_ssn("r.ssn")} AS roster_ssn,
           {d.sorted_list(f"CASE WHEN p.ssn_differs THEN {masked_ssn('p.ssn')} END")}
               AS payment_ssns_differing,
           {d.sorted_list("CASE WHEN p.name_differs THEN p.payee_name END")}
               AS payee_names_differing,
           {payments_list(d, "p", "0")} AS payments
    FROM mismatched p JOIN roster r ON r.employee_id = p.employee_id
    GROUP BY p.employee_id, r.first_name, r.last_name, r.ssn
    """


def summary(row: RuleRow) -> str:
    count = len(row["payment_ids"])
    n = plural(count, "payment")
    carry = "carries" if count == 1 else "carry"
    who = f"{row['roster_name']} ({row['employee_ids'][0]})"
    if row["severity"] == "medium":
        ssns = ", ".join(row["payment_ssns_differing"])
        return (
            f"{n} to {who} {carry} an SSN ({ssns}) that differs from the roster SSN "
            f"{row['roster_ssn']}."
        )
    names = "; ".join(row["payee_names_differing"])
    return (
        f"{n} to {who} {carry} the roster SSN under a different name ({names}), as after a "
        "marriage: worth a look, not a sign of fraud on its own."
    )


def why(row: RuleRow) -> str:
    if row["severity"] == "medium":
        return "The SSN on these payments is not the SSN the roster holds for this employee_id."
    return "The SSN agrees with the roster but the payee name does not carry the roster name."


RULE = Rule(
    code="IDENTITY_MISMATCH",
    severity=Severity.MEDIUM,
    other_severities=(Severity.LOW,),
    title="Identity mismatch on payment",
    flags="The SSN on a payment differs from the roster SSN of that employee_id. A payee name "
    "that differs while the SSN agrees (e.g. after marriage) is reported at low.",
    amount="0: the rule puts no money at risk.",
    proper=(
        "An SSN written with or without dashes (compared as digits).",
        "A changed surname with the same SSN is at most low.",
    ),
    query=query,
    summary=summary,
    why=why,
    # A name judged once for an employee is judged the same way again: only a differing
    # SSN or a name not seen before for that employee can make a finding appear.
    scope=Scope(
        key="p.employee_id",
        touched="EXISTS (SELECT 1 FROM roster r WHERE r.employee_id = p.employee_id "
        "AND r.ssn <> p.ssn)",
        new_combinations=("employee_id", "payee_name"),
    ),
)
