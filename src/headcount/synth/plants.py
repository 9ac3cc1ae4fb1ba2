"""Planting: turn a few fresh background people into anomalies and look-alikes.

The Planter hands out people (never the same person to two plants), keeps the planted
death records, extra payments and forced check-ins, and the list of Plants for truth.json.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from headcount.synth.activity import ActivityPlan
from headcount.synth.checkins import ForcedReply
from headcount.synth.common import AGENCIES, I64, NO_DATE, Bool, day
from headcount.synth.deaths import DeathRecord
from headcount.synth.hr_changes import ChangeLog
from headcount.synth.payroll import Extras
from headcount.synth.people import People
from headcount.synth.truth import Plant
from headcount.synth.vendors import VendorPlan
from headcount.synth.vocab import Places, names


class Planter:
    def __init__(self, rng: np.random.Generator, p: People, places: Places, spare_ssns: I64):
        self.rng = rng
        self.p = p
        self.places = places
        self._spare = [int(x) for x in spare_ssns]
        self.used = np.zeros(p.n, dtype=bool)
        self.used[p.n_roster :] = True  # ghost rows are handed out by ghost() only
        self._ghosts = list(range(p.n_roster, p.n))
        self.plants: list[Plant] = []
        self.extras = Extras()
        self.deaths: list[DeathRecord] = []
        self.forced: list[ForcedReply] = []
        self.activity = ActivityPlan()
        self.changes = ChangeLog()
        self.vendors = VendorPlan()
        self.no_reply = np.zeros(p.n, dtype=bool)
        self.exempt = np.array([a.policy == "exempt" for a in AGENCIES])[p.agency]
        # Staff whose pay is not watched by an activity feed: people paid past their exit
        # there are anomalies of their own rules only, not also PAID_WITHOUT_ACTIVITY.
        self.fed = np.array([a.activity_feed for a in AGENCIES])[p.agency]
        self.unfed = ~self.fed
        p.no_withholding = np.zeros(p.n, dtype=bool)
        self._queue = rng.permutation(np.nonzero(self._steady0())[0])
        self._head = 0

    # --- handing out people -------------------------------------------------------------
    # Candidates are GS staff on board all year with nothing planted yet, visited in one
    # random order fixed at start: picking costs O(1) per person even at 2.4M employees.
    def _steady0(self) -> Bool:
        p = self.p
        roster = np.arange(p.n) < p.n_roster
        steady = roster & (p.hire < day(2024, 12, 1)) & (p.sep == NO_DATE) & ~p.es
        return np.asarray(steady, dtype=bool)

    def one(self, ok: Bool | Callable[[int], bool] | None = None) -> int:
        """The next unplanted steady person (for whom `ok`, a mask or a test, holds)."""
        q, used = self._queue, self.used
        for j in range(self._head, len(q)):
            c = int(q[j])
            if used[c]:
                continue
            if ok is None or (ok(c) if callable(ok) else bool(ok[c])):
                # Swap the pick to the head so the queue stays "used prefix, fresh rest":
                # conditional picks then never rescan people already handed out.
                q[j], q[self._head] = q[self._head], q[j]
                self._head += 1
                used[c] = True
                return c
        raise ValueError("too few employees to plant every case; use a larger roster")

    def pick(self, count: int, ok: Bool | Callable[[int], bool] | None = None) -> list[int]:
        return [self.one(ok) for _ in range(count)]

    def ghost(self) -> int:
        return self._ghosts.pop(0)

    def spare_ssn(self) -> int:
        return self._spare.pop()

    def add(self, plant: Plant) -> None:
        self.plants.append(plant)

    def tracked(self) -> Bool:
        mask = np.zeros(self.p.n, dtype=bool)
        for pl in self.plants:
            mask[pl.persons] = True
        return mask

    # --- reading a person back as text --------------------------------------------------
    def first(self, i: int) -> str:
        return self.p.first_text.get(i) or str(names().first[self.p.first[i]])

    def middle(self, i: int) -> str | None:
        m = int(self.p.middle[i])
        return names().first[m] if m >= 0 else None

    def last(self, i: int) -> str:
        return self.p.last_text.get(i) or str(names().last[self.p.last[i]])

    def payee(self, i: int, last: str | None = None) -> str:
        """The payee name as payroll prints it (see columns.payee_names)."""
        surname = last or self.last(i)
        if self.p.payee_style[i] == 1:
            return f"{self.first(i)} {surname}"
        initial = f" {self.middle(i)[0]}".upper() if self.middle(i) else ""  # type: ignore[index]
        return f"{surname.upper()}, {self.first(i).upper()}{initial}"

    def day_between(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def home_line(self, i: int) -> str:
        """The roster's home address line (see columns.build)."""
        p = self.p
        if i in p.home_text:
            return p.home_text[i]
        line = f"{int(p.bldg[i])} {self.places.streets[int(p.street[i])].as_py()}"
        return line + (f" Apt. {int(p.apt[i])}" if p.apt[i] > 0 else "")

    def zip_text(self, i: int) -> str:
        return f"{int(self.p.zip[i]):05d}"

    def routing_text(self, i: int) -> str:
        return self.p.routings[int(self.p.routing[i])]


def plant_count(employees: int) -> int:
    """At least two of each case, growing gently with the roster."""
    return max(2, employees // 5000)
