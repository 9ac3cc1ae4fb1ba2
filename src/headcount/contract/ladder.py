"""The evidence ladder of claims.md: the rung every counted person and dollar stands on.

Every report, export and page labels its figures with one of these; figures of different
rungs are never added together (a lead's dollars at risk are not determined dollars).
`CONTEXT` is for counts that are no rung of the ladder (the roster on a send date: people,
not findings).
"""

from __future__ import annotations

from enum import StrEnum


class Rung(StrEnum):
    LEAD = "lead"
    VERIFIED = "verified"
    DETERMINED = "determined"
    RECOVERED = "recovered"
    CONTEXT = "context"


LADDER = (Rung.LEAD, Rung.VERIFIED, Rung.DETERMINED, Rung.RECOVERED)

RUNG_WORDS = {
    Rung.LEAD: "Lead: a rule fired; evidence attached. At risk, not proven.",
    Rung.VERIFIED: "Verified: an analyst confirmed the facts from an independent source.",
    Rung.DETERMINED: "Determined: notice sent, the contest period passed, a determination "
    "recorded.",
    Rung.RECOVERED: "Recovered: money came back.",
    Rung.CONTEXT: "Context: counts of people on the roster, not findings; no rung of the "
    "evidence ladder.",
}


class RungMismatch(TypeError):
    """Figures of two rungs were about to be added together."""
