"""Figures as the report prints them: dollars, counts, percentages, wrappable codes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

Money = Decimal | float


def to_money(value: Any) -> Money | None:
    """A dollar figure from summary.json or Arrow (Decimal, float, int or numeric str)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal | float):
        return value if math.isfinite(value) else None  # NaN/inf are "unknown", not figures
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_money(value: Any) -> str:
    m = to_money(value)
    if m is None:
        return "—"
    d = m if isinstance(m, Decimal) else Decimal(repr(m))
    sign = "-" if d < 0 else ""
    return f"{sign}${abs(d):,.2f}"


def as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def format_count(value: Any) -> str:
    n = as_int(value)
    return "—" if n is None else f"{n:,}"


def format_pct(part: Any, whole: Any) -> str:
    p, w = as_int(part), as_int(whole)
    if p is None or not w:
        return "—"
    return f"{100 * p / w:.1f}%"


def wrappable(value: Any) -> Markup:
    """Escaped text that may wrap after underscores, so long rule codes break between words."""
    return escape(str(value)).replace("_", Markup("_<wbr>"))


def dig(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d
