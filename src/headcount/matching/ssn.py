"""Which Social Security numbers are never issued, as a Python predicate and as SQL.

Both forms are generated from the same constants so they cannot drift; a Hypothesis test
checks that they agree on arbitrary digit strings.
"""

from __future__ import annotations

NEVER_ISSUED_AREAS = ("000", "666")  # plus every area 900-999
# Numbers voided after public misuse (the Woolworth wallet card, an advertisement, and
# the range SSA reserves for advertising).
VOIDED = ("078051120", "219099999", *(f"98765432{d}" for d in range(10)))


def normalise(raw: str) -> str | None:
    """Digits only; None when the value has anything other than digits, dashes and spaces."""
    cleaned = raw.replace("-", "").replace(" ", "").strip()
    if not cleaned:
        return None
    return cleaned if cleaned.isascii() and cleaned.isdigit() else None


def is_issuable(digits: str) -> bool:
    """True for a 9-digit number SSA could have issued (randomised assignment since 2011)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area not in NEVER_ISSUED_AREAS
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
        and digits not in VOIDED
    )


def never_issued_reason(digits: str) -> str | None:
    """A plain-English reason the number is never issued, or None when it could be valid."""
    if len(digits) != 9:
        return f"it has {len(digits)} digits, not 9"
    if digits in VOIDED:
        return "it is a voided number (publicly misused, never valid)"
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in NEVER_ISSUED_AREAS or area.startswith("9"):
        return f"area number {area} is never issued"
    if group == "00":
        return "group number 00 is never issued"
    if serial == "0000":
        return "serial number 0000 is never issued"
    return None


def issuable_sql(column: str) -> str:
    """SQL boolean: the digits-only SSN in `column` could have been issued."""
    voided = ", ".join(f"'{v}'" for v in VOIDED)
    areas = ", ".join(f"'{a}'" for a in NEVER_ISSUED_AREAS)
    return (
        f"(length({column}) = 9 AND substr({column}, 1, 3) NOT IN ({areas})"
        f" AND substr({column}, 1, 1) <> '9' AND substr({column}, 4, 2) <> '00'"
        f" AND substr({column}, 6, 4) <> '0000' AND {column} NOT IN ({voided}))"
    )


def mask(digits: str | None) -> str | None:
    """Show only the last four digits, as letters to the person do."""
    if not digits:
        return None
    return f"***-**-{digits[-4:]}" if len(digits) >= 4 else "***"
