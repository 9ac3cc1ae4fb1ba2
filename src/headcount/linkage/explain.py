"""Why two roster records were, or were not, reported as one person.

For any two employee ids: the pair's waterfall (the prior, then each comparison's level and
log2 weight, then the total and its probability) and the reasons the run's rules give,
in the order DUPLICATE_PERSON applies them: a shared SSN (that is DUPLICATE_SSN), an
analyst's label, whether any blocking rule admits the pair at all, the twins and namesakes
rules, and the threshold. `judge` is the model's own call on a pair, labels aside: `accuracy.py` compares
it with the analysts' labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from headcount.engine.base import Engine
from headcount.linkage import model
from headcount.linkage.labels import Label
from headcount.linkage.pairs import score_pair
from headcount.linkage.records import RECORDS_TABLE
from headcount.linkage.resolve import Fitted, _comparisons, _levels, namesakes, twins

# What the explanation shows of each record: never the SSN (masked), birth date or address.
SHOWN = ("employee_id", "first_name", "middle_name", "last_name", "agency", "org_code",
         "hire_date", "separation_date", "work_email")  # fmt: skip


class PairError(ValueError):
    """A pair that cannot be explained (an id not on the roster, one id twice)."""


@dataclass(frozen=True)
class Judgement:
    """The model's call on one pair, before any label."""

    a: str
    b: str
    match_probability: float
    match_weight: float
    prior_weight: float
    comparisons: list[dict[str, Any]]
    blocked: bool  # some blocking rule admits the pair, so a run scores it
    same_ssn: bool
    twins: bool
    namesakes: bool
    agrees: dict[str, bool]

    @property
    def linked(self) -> bool:
        """Reported by a run without labels."""
        return (
            self.blocked
            and not self.same_ssn
            and not self.twins
            and not self.namesakes
            and self.match_probability >= model.THRESHOLD
        )


@dataclass(frozen=True)
class Explanation:
    judgement: Judgement
    records: list[dict[str, Any]]
    label: Label | None
    reported: bool
    reasons: list[str] = field(default_factory=list)
    model_source: str = ""


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def judge(engine: Engine, fitted: Fitted, a: str, b: str) -> Judgement:
    if a == b:
        raise PairError(f"{a} and {b} are the same employee id: a pair needs two")
    row = score_pair(engine, fitted.linker, a, b)
    if row is None:
        known = {
            r["unique_id"]
            for r in engine.fetch_arrow(
                f"SELECT unique_id FROM {RECORDS_TABLE} "
                f"WHERE unique_id IN ({_sql_str(a)}, {_sql_str(b)})"
            ).to_pylist()
        }
        missing = [x for x in (a, b) if x not in known]
        raise PairError(f"employee id {', '.join(missing)} is not on the roster")
    rules = engine.fetch_arrow(
        f"SELECT {twins('l', 'r')} AS twins, {namesakes('l', 'r')} AS namesakes "
        f"FROM {RECORDS_TABLE} l, {RECORDS_TABLE} r "
        f"WHERE l.unique_id = {_sql_str(a)} AND r.unique_id = {_sql_str(b)}"
    ).to_pylist()[0]
    prior = fitted.prior
    return Judgement(
        a=a,
        b=b,
        match_probability=float(row["match_probability"]),
        match_weight=float(row["match_weight"]),
        prior_weight=math.log2(prior / (1 - prior)),
        comparisons=_comparisons(row, _levels(fitted.linker)),
        blocked=bool(row["found_by_blocking_rules"]),
        same_ssn=row["ssn_l"] is not None and row["ssn_l"] == row["ssn_r"],
        twins=bool(rules["twins"]),
        namesakes=bool(rules["namesakes"]),
        agrees={
            "date_of_birth": row["dob_l"] is not None and row["dob_l"] == row["dob_r"],
            "home_address": row["address_key_l"] is not None
            and row["address_key_l"] == row["address_key_r"],
            "zip": row["zip_l"] is not None and row["zip_l"] == row["zip_r"],
        },
    )


def _reasons(j: Judgement, label: Label | None) -> tuple[bool, list[str]]:
    p = f"{100 * j.match_probability:.2f}%"
    if j.same_ssn:
        return False, [
            "The two records share an SSN: DUPLICATE_SSN reports them, never DUPLICATE_PERSON."
        ]
    if label is not None and label.decision == "non_match":
        return False, [
            f"{label.analyst} labelled them two people ({label.decided_at}): a cannot-link "
            f"pair is never reported, whatever its score (model: {p})."
        ]
    if label is not None and label.decision == "match":
        return True, [
            f"{label.analyst} labelled them one person ({label.decided_at}): a must-link "
            f"pair is always reported, whatever its score (model: {p})."
        ]
    reasons = []
    if not j.blocked:
        reasons.append(
            "No blocking rule admits the pair (they agree on none of the field combinations "
            "a run compares), so a run never scores it."
        )
    if j.twins:
        reasons.append(
            "The twins rule holds: same surname, birth date and home address with given "
            "names that are not equivalent, so they are two people whatever the score."
        )
    if j.namesakes:
        reasons.append(
            "The namesakes rule holds: they share nothing but names and birth date (home "
            "addresses in different places, SSNs more than two digits apart, different work "
            "email and supervisor), so they are two people whatever the score."
        )
    if j.match_probability < model.THRESHOLD:
        reasons.append(
            f"Match probability {p} is below the threshold of {100 * model.THRESHOLD:.0f}%."
        )
    if not reasons:
        return True, [
            f"Match probability {p} is at or above the threshold of "
            f"{100 * model.THRESHOLD:.0f}%, and no rule parts them: reported."
        ]
    return False, reasons


def explain(
    engine: Engine, fitted: Fitted, a: str, b: str, labels: tuple[Label, ...] = ()
) -> Explanation:
    j = judge(engine, fitted, a, b)
    pair = tuple(sorted((a, b)))
    label = next((lb for lb in labels if lb.pair == pair and lb.decision != "unsure"), None)
    reported, reasons = _reasons(j, label)
    columns = ", ".join(f"r.{c}" for c in SHOWN)
    records = engine.fetch_arrow(
        f"SELECT {columns}, CASE WHEN r.ssn IS NULL THEN NULL ELSE '***-**-' || right(r.ssn, 4) "
        f"END AS ssn FROM roster r WHERE r.employee_id IN ({_sql_str(a)}, {_sql_str(b)})"
    ).to_pylist()
    records.sort(key=lambda r: (r["employee_id"] != a,))
    return Explanation(j, records, label, reported, reasons, fitted.source)
