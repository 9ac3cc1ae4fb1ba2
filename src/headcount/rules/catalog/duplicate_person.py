"""DUPLICATE_PERSON: one person on the roster twice, under different SSNs.

The model (headcount.linkage, Splink on this run's database) scores pairs of roster records
and groups the pairs it judges to be one person; this rule turns each group into a finding.
"""

from __future__ import annotations

from headcount.contract.findings import Severity
from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect
from headcount.rules.base import UNCHANGED_BY_PAYROLL, Rule, RuleRow, plural
from headcount.rules.sql import finding_head, masked_ssn


def prepare(engine: Engine) -> None:
    # Imported here: Splink is only loaded when the rule actually runs.
    from headcount.linkage.resolve import resolve

    resolve(engine)


def query(d: Dialect) -> str:
    record = d.struct(
        employee_id="r.employee_id",
        first_name="r.first_name",
        middle_name="r.middle_name",
        last_name="r.last_name",
        ssn=masked_ssn("r.ssn"),
        agency="r.agency",
        org_code="r.org_code",
        hire_date="r.hire_date",
        separation_date="r.separation_date",
        work_email="r.work_email",
        row="r._row",
    )
    link = d.struct(
        employee_ids=d.array("l.employee_id_l", "l.employee_id_r"),
        match_probability="round(l.match_probability, 6)",
        match_weight="round(l.match_weight, 3)",
        prior_weight="round(l.prior_weight, 3)",
        date_of_birth_agrees="l.date_of_birth_agrees",
        home_address_agrees="l.home_address_agrees",
        zip_agrees="l.zip_agrees",
        ssn_agrees="FALSE",
        comparisons="l.comparisons",
        decided_by="l.decided_by",
    )
    return f"""
    WITH grouped AS (
        SELECT cluster_id, {d.sorted_list("employee_id")} AS ids
        FROM person_clusters GROUP BY cluster_id HAVING count(*) >= 2
    ),
    records AS (
        SELECT c.cluster_id, {d.ordered_list(record, "r.employee_id")} AS roster_records,
               count(DISTINCT r.ssn) AS ssns
        FROM person_clusters c JOIN roster r ON r.employee_id = c.employee_id
        GROUP BY c.cluster_id
    ),
    links AS (
        SELECT c.cluster_id, max(l.match_probability) AS best,
               {d.ordered_list(link, "l.match_probability DESC, l.employee_id_l, l.employee_id_r")}
                   AS linked_pairs
        FROM person_links l
        JOIN person_clusters c ON c.employee_id = l.employee_id_l
        GROUP BY c.cluster_id
    )
    SELECT {finding_head(d, "DUPLICATE_PERSON", d.join_list("g.ids", ";"), "g.ids")},
           round(k.best, 6) AS match_probability,
           r.roster_records, r.ssns AS _ssns,
           k.linked_pairs,
           (SELECT {
        d.struct(
            trained_on_this_roster="m.trained_on_this_roster",
            source="m.source",
            records="m.records",
            threshold="m.threshold",
            probability_two_random_records_match="m.probability_two_random_records_match",
            blocks_capped="m.blocks_capped",
        )
    } FROM linkage_model m) AS model
    FROM grouped g
    JOIN records r ON r.cluster_id = g.cluster_id
    JOIN links k ON k.cluster_id = g.cluster_id
    """


def _name(record: RuleRow) -> str:
    return " ".join(p for p in (record["first_name"], record["last_name"]) if p) or "(no name)"


def summary(row: RuleRow) -> str:
    records = row["roster_records"]
    people = ", ".join(f"{r['employee_id']} ({_name(r)})" for r in records)
    ssns = int(row["_ssns"])
    return (
        f"{len(records)} roster records under {plural(ssns, 'different SSN')} look like one "
        f"person (match probability {100 * float(row['match_probability']):.2f}%): {people}."
    )


WHY = (
    "A probabilistic record-linkage model (Fellegi-Sunter, fitted by Splink on this roster) "
    "judges these records to be one person: each linked pair's match weight is the prior "
    "plus the log2 Bayes factor of every comparison listed with it. Their SSNs differ, so "
    "this is not DUPLICATE_SSN. A pair an analyst labelled as one person is linked whatever "
    "its score (`decided_by` names the analyst); a pair labelled as two people never is. "
    "A lead for HR to confirm, not proof."
)


RULE = Rule(
    code="DUPLICATE_PERSON",
    severity=Severity.MEDIUM,
    title="Duplicate person",
    flags="Two or more roster records with different employee_ids and different SSNs that a "
    "probabilistic record-linkage model judges to be one person, weighing names (with "
    "nicknames and typos), date of birth (with typos, transposed day and month, a year off "
    "by one), home address, ZIP, SSN and work email. Records that share an SSN are "
    "DUPLICATE_SSN instead.",
    amount="0: the rule puts no money at risk.",
    proper=(
        "Twins: same surname, birth date and home address, given names not equivalent.",
        "Spouses and relatives at one address (different given names and birth dates).",
        "Strangers with a common name (different birth dates and addresses).",
        "Records that share an SSN (see DUPLICATE_SSN).",
    ),
    query=query,
    summary=summary,
    why=WHY,
    needs=frozenset({"roster"}),
    prepare=prepare,
    scope=UNCHANGED_BY_PAYROLL,
)
