"""Analysts' labels in a run: cannot-link pairs dropped, must-link pairs kept (labels.py).

The labels become a small table the scoring query joins (`hc_labels`, one row per pair,
ids in sorted order). A must-link pair the model did not score at the threshold (below it,
or never compared because no blocking rule admits it) is scored on its own (pairs.py), so
its evidence still shows every comparison, and the analyst who decided is named.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from splink import Linker

from headcount.engine.base import Engine
from headcount.linkage.labels import Label
from headcount.linkage.pairs import score_pair

LABELS_TABLE = "hc_labels"


def register_labels(engine: Engine, labels: tuple[Label, ...]) -> None:
    decisive = [lb for lb in labels if lb.decision != "unsure"]
    engine.register_arrow(
        LABELS_TABLE,
        pa.table(
            {
                "a": [lb.a for lb in decisive],
                "b": [lb.b for lb in decisive],
                "decision": [lb.decision for lb in decisive],
                "analyst": [lb.analyst for lb in decisive],
            },
            schema=pa.schema(
                [("a", pa.string()), ("b", pa.string()), ("decision", pa.string()),
                 ("analyst", pa.string())]
            ),
        ),
    )  # fmt: skip


def label_join(pair: str) -> str:
    """LEFT JOIN of the labels onto a table of scored pairs aliased `pair`, as `lab`."""
    return (
        f"LEFT JOIN {LABELS_TABLE} lab ON lab.a = least({pair}.unique_id_l, {pair}.unique_id_r)"
        f" AND lab.b = greatest({pair}.unique_id_l, {pair}.unique_id_r)"
    )


def must_link(lab: str = "lab") -> str:
    return f"coalesce({lab}.decision = 'match', FALSE)"


def cannot_link(lab: str = "lab") -> str:
    return f"coalesce({lab}.decision = 'non_match', FALSE)"


def unscored_must_links(
    engine: Engine, linker: Linker, labels: tuple[Label, ...], kept: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Must-link pairs not among `kept`, scored one by one, in the shape of the kept rows.
    A pair with an id not on the roster is left out, and so is one whose records share an
    SSN: that pair is DUPLICATE_SSN's finding already."""
    rows = []
    for lb in labels:
        if lb.decision != "match" or lb.pair in kept:
            continue
        row = score_pair(engine, linker, lb.a, lb.b)
        if row is None or (row["ssn_l"] is not None and row["ssn_l"] == row["ssn_r"]):
            continue
        row["date_of_birth_agrees"] = bool(
            row["dob_l"] is not None and row["dob_l"] == row["dob_r"]
        )
        row["home_address_agrees"] = bool(
            row["address_key_l"] is not None and row["address_key_l"] == row["address_key_r"]
        )
        row["zip_agrees"] = bool(row["zip_l"] is not None and row["zip_l"] == row["zip_r"])
        row["decided_by"] = lb.analyst
        rows.append(row)
    return rows
