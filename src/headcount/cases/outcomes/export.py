"""The outcome report as CSV, JSON and words: one figure per line (CSV) or object (JSON),
each with its measure, its rung of the evidence ladder and its unit, so that no figure
travels without the rung it stands on."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from headcount.cases.outcomes.report import MEASURES, Dollars, Measure, OutcomeReport, Unit, Value
from headcount.contract.csvout import Cell, write_rows
from headcount.contract.ladder import RUNG_WORDS, Rung

CSV_COLUMNS = ("agency", "rule", "measure", "label", "rung", "unit", "value")
CENT = Decimal("0.01")


def plain(measure: Measure, value: Value) -> Decimal | int | None:
    """A figure as the exports write it: whole counts, dollars with cents, days with one
    decimal, a share as a fraction with four decimals; None when there is nothing to
    measure."""
    if value is None:
        return None
    if isinstance(value, Dollars):
        assert value.rung is measure.rung, measure.key
        return value.amount.quantize(CENT)
    if measure.unit is Unit.SHARE:
        return Decimal(value).quantize(Decimal("0.0001"))
    return value


def shown(measure: Measure, value: Value) -> str:
    """A figure in words for a page or a terminal."""
    figure = plain(measure, value)
    if figure is None:
        return "—"
    if measure.unit is Unit.DOLLARS:
        return f"${figure:,.2f}"
    if measure.unit is Unit.SHARE:
        return f"{100 * Decimal(figure):.1f}%"
    if measure.unit is Unit.DAYS:
        return f"{figure:,.1f}"
    return f"{figure:,}"


def to_csv(report: OutcomeReport) -> str:
    rows: list[list[Cell]] = [
        [row.agency, row.rule, m.key, m.label, m.rung.value, m.unit.value,
         plain(m, row.values[m.key])]
        for row in report.rows
        for m in MEASURES
    ]  # fmt: skip
    buffer = io.StringIO()
    write_rows(buffer, CSV_COLUMNS, rows)
    return buffer.getvalue()


def _json_value(value: Decimal | int | None) -> str | int | None:
    # Money and fractions as exact strings, never floats.
    return str(value) if isinstance(value, Decimal) else value


def to_data(report: OutcomeReport) -> dict[str, Any]:
    """The report as JSON-ready data (the API's response and `--format json`)."""
    return {
        "period": {
            "from": report.window.start.isoformat() if report.window.start else None,
            "to": report.window.end.isoformat() if report.window.end else None,
        },
        "agency": report.agency,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "rungs": {
            r.value: RUNG_WORDS[r]
            for r in (Rung.LEAD, Rung.VERIFIED, Rung.DETERMINED, Rung.RECOVERED)
        },
        "measures": [
            {"measure": m.key, "label": m.label, "rung": m.rung.value, "unit": m.unit.value}
            for m in MEASURES
        ],
        "rows": [
            {
                "agency": row.agency,
                "rule": row.rule,
                "figures": [
                    {
                        "measure": m.key,
                        "rung": m.rung.value,
                        "unit": m.unit.value,
                        "value": _json_value(plain(m, row.values[m.key])),
                    }
                    for m in MEASURES
                ],
            }
            for row in report.rows
        ],
    }


def to_json(report: OutcomeReport) -> str:
    return json.dumps(to_data(report), indent=2) + "\n"


def sections(report: OutcomeReport) -> list[tuple[str, str, list[Measure]]]:
    """The report's tables for a page or a terminal: (key, title, measures), each measure
    shown with its rung."""
    from headcount.cases.outcomes.report import SECTIONS

    return [
        (key, title, [m for m in MEASURES if m.section == key]) for key, title in SECTIONS.items()
    ]
