"""Analysts' decisions on pairs of roster records: must-link and cannot-link.

A label says that two employee ids are one person (`match`: must-link), two people
(`non_match`: cannot-link) or that the analyst could not tell (`unsure`: no effect). They
come from the review queue in the web app and from the outcome of DUPLICATE_PERSON cases,
and reach `verify` as a CSV file (`--labels FILE`, written by `headcount linkage labels`),
so a re-run from the manifest sees the same decisions.

Every later run honours them (resolve.py): a cannot-link pair is never linked (whatever
its score), a must-link pair always is (whatever its score, and even if the twins rule
would part it), and the finding's evidence names the analyst who decided. Labelled matches
also count as observed duplicates when m is estimated (priors.shrink_m).

File: `employee_id_a, employee_id_b, decision, analyst, decided_at, source`, one row per
pair; the last label of a pair wins.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from headcount.contract.csvout import unescape_cell, write_rows

COLUMNS = ("employee_id_a", "employee_id_b", "decision", "analyst", "decided_at", "source")
DECISIONS = ("match", "non_match", "unsure")
SOURCES = ("review", "case")


class LabelsError(ValueError):
    """A labels file that cannot be used; the message names file, row, column, problem."""


@dataclass(frozen=True)
class Label:
    a: str  # the smaller employee id of the pair
    b: str
    decision: str
    analyst: str
    decided_at: str
    source: str = "review"

    @staticmethod
    def of(
        x: str, y: str, decision: str, analyst: str, decided_at: str, source: str = "review"
    ) -> Label:
        a, b = sorted((x, y))
        return Label(a, b, decision, analyst, decided_at, source)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)


def _check(path: Path, row: int, label: dict[str, str]) -> Label:
    def bad(column: str, problem: str) -> LabelsError:
        return LabelsError(f"{path}: row {row}, column {column}: {problem}")

    for column in ("employee_id_a", "employee_id_b", "analyst", "decided_at"):
        if not (label.get(column) or "").strip():
            raise bad(column, "empty")
    a, b = label["employee_id_a"].strip(), label["employee_id_b"].strip()
    if a == b:
        raise bad("employee_id_b", f"the same id as employee_id_a ({a}): a pair needs two")
    decision = (label.get("decision") or "").strip()
    if decision not in DECISIONS:
        raise bad("decision", f"{decision!r} is not one of {', '.join(DECISIONS)}")
    source = (label.get("source") or "review").strip() or "review"
    if source not in SOURCES:
        raise bad("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    return Label.of(a, b, decision, label["analyst"].strip(), label["decided_at"].strip(), source)


def read_labels(path: Path) -> tuple[Label, ...]:
    """Every label in `path`, the last of each pair winning; LabelsError on a bad file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabelsError(f"{path}: no such labels file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise LabelsError(f"{path}: row 1: missing column(s) {', '.join(missing)}")
    latest: dict[tuple[str, str], Label] = {}
    for row, record in enumerate(reader, start=2):
        cells = {k: unescape_cell(v or "") for k, v in record.items() if k is not None}
        label = _check(path, row, cells)
        latest[label.pair] = label
    return tuple(sorted(latest.values(), key=lambda lb: lb.pair))


def write_labels(path: Path, labels: Iterable[Label]) -> int:
    rows = [
        [lb.a, lb.b, lb.decision, lb.analyst, lb.decided_at, lb.source]
        for lb in sorted(labels, key=lambda lb: lb.pair)
    ]
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        write_rows(out, COLUMNS, rows)
    tmp.replace(path)  # whole or not at all
    return len(rows)


def decided(labels: Iterable[Label], decision: str) -> dict[tuple[str, str], Label]:
    return {lb.pair: lb for lb in labels if lb.decision == decision}
