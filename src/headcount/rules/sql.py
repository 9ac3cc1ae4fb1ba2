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


def change_value(alias: str, column: str) -> str:
    """An hr_changes value fit for evidence: an account masked (ROUTING:****6789), a home
    address withheld, any other field (salary, grade, a date) as written."""
    value = f"{alias}.{column}"
    colon = f"instr({value}, ':')"
    return (
        f"CASE WHEN {alias}.field = 'bank_account' THEN "
        f"CASE WHEN {colon} > 0 THEN substr({value}, 1, {colon} - 1) || ':****' || "
        f"right({value}, 4) ELSE {masked_account(value)} END "
        f"WHEN {alias}.field = 'home_address' THEN "
        f"CASE WHEN {value} IS NULL THEN NULL ELSE '(withheld: a home address)' END "
        f"ELSE {value} END"
    )


def change_struct(d: Dialect, alias: str) -> str:
    """One hr_changes row as evidence: what changed, who keyed and approved it, and when."""
    return d.struct(
        change_id=f"{alias}.change_id",
        row=f"{alias}._row",
        field=f"{alias}.field",
        old_value=change_value(alias, "old_value"),
        new_value=change_value(alias, "new_value"),
        entered_at=f"{alias}.entered_at",
        effective_date=f"{alias}.effective_date",
        entered_by=f"{alias}.entered_by",
        approved_by=f"{alias}.approved_by",
    )


def account_part(value: str, part: int) -> str:
    """The routing (part 1) or account (part 2) of a `ROUTING:ACCOUNT` change value."""
    colon = f"instr({value}, ':')"
    if part == 1:
        return f"CASE WHEN {colon} > 0 THEN trim(substr({value}, 1, {colon} - 1)) END"
    return f"CASE WHEN {colon} > 0 THEN trim(substr({value}, {colon} + 1, length({value}))) END"
