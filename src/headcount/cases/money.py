"""Dollars as exact decimals: the one parser of an amount a user typed or sent, for cases
and debts alike (never a float: a balance must reconcile to the cent)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from headcount.cases.access import CaseError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LIMIT = Decimal("1e16")  # MONEY is Numeric(18, 2)


def parse_money(value: str | Decimal | int | None, label: str, *, zero: bool = False) -> Decimal:
    """`value` as dollars with at most two decimals ("1,234.56", "$12"); more than $0 unless
    `zero` allows it; None or "" is $0 where zero is allowed. CaseError names `label`."""
    text = "" if value is None else str(value).replace(",", "").replace("$", "").strip()
    if not text and zero:
        return ZERO
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CaseError(f"{label} must be dollars, e.g. 1234.56") from None
    if not amount.is_finite() or amount < 0:
        raise CaseError(f"{label} must be dollars with at most two decimals, not negative")
    # Before quantize: "1E100" in cents has more digits than the context holds.
    if amount >= LIMIT:
        raise CaseError(f"{label} is too large")
    if amount != amount.quantize(CENT):
        raise CaseError(f"{label} must be dollars with at most two decimals, not negative")
    if amount == 0 and not zero:
        raise CaseError(f"{label} must be more than $0")
    return amount.quantize(CENT).copy_abs()  # "-0" is $0.00, not -0.00
