"""SQL fragments several rules share, so each rule's query stays short and readable."""

from __future__ import annotations

from headcount.engine.dialect import Dialect

REGULAR = "'REGULAR'"
NO_MONEY = "CAST(0 AS DECIMAL(18,2))"


def finding_head(
    d: Dialect,
    code: str,
    key: str,
    employees: str,
    payments: str | None = None,
    amount: str = NO_MONEY,
) -> str:
    """The four columns every rule query starts with (see rules/base.py)."""
    return (
        f"'{code}|' || {key} AS finding_key, {employees} AS employee_ids, "
        f"{payments or d.empty_text_list()} AS payment_ids, {amount} AS amount_at_risk"
    )


def period_start(d: Dialect, alias: str = "p") -> str:
    """A biweekly period starts 13 days before it ends."""
    return d.days_before(f"{alias}.pay_period_end", 13)


def payment_struct(d: Dialect, alias: str, at_risk: str) -> str:
    """One payment as evidence: enough to find it and see why its dollars count."""
    return d.struct(
        payment_id=f"{alias}.payment_id",
        payment_type=f"{alias}.payment_type",
        pay_period_start=period_start(d, alias),
        pay_period_end=f"{alias}.pay_period_end",
        pay_date=f"{alias}.pay_date",
        gross_pay=f"{alias}.gross_pay",
        at_risk=f"CAST({at_risk} AS DECIMAL(18,2))",
    )


def payments_list(d: Dialect, alias: str = "p", at_risk: str = "0") -> str:
    """Aggregate: the payments of a group, in period order."""
    return d.ordered_list(
        payment_struct(d, alias, at_risk), f"{alias}.pay_period_end, {alias}.payment_id"
    )


def masked_ssn(column: str) -> str:
    """Only the last four digits ever leave the store in evidence."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE '***-**-' || right({column}, 4) END"


def masked_account(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE '****' || right({column}, 4) END"


def norm_text(d: Dialect, column: str) -> str:
    """Addresses and names compared without case, punctuation or spacing differences."""
    return d.collapse_non_alnum(column)


def full_name(alias: str) -> str:
    return f"trim(coalesce({alias}.first_name, '') || ' ' || coalesce({alias}.last_name, ''))"


def death_record(d: Dialect, alias: str) -> str:
    """A `death_matches` row as evidence: where the record is, what it says, what agrees."""
    return d.struct(
        source=f"{alias}.death_source",
        row=f"{alias}.death_row",
        last_name=f"{alias}.death_last_name",
        first_name=f"{alias}.death_first_name",
        middle_name=f"{alias}.death_middle_name",
        date_of_death=f"{alias}.date_of_death",
        date_of_death_partial=f"{alias}.date_of_death_partial",
        ssn_matches_roster="TRUE",
        surname_agrees=f"{alias}.surname_agrees",
        given_name_agrees=f"{alias}.given_name_agrees",
        date_of_birth_agrees=f"{alias}.date_of_birth_agrees",
        corroborated=f"{alias}.corroborated",
    )
