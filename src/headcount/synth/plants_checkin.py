"""Check-in plants: replies from people no longer there, copied templates, short notes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from headcount.synth.checkins import ForcedReply, bullet_texts, may_reply, normalise
from headcount.synth.common import AGENCIES, RULES, Bool, day
from headcount.synth.plants import Planter
from headcount.synth.plants_life import paid_after_death
from headcount.synth.truth import Plant

TEMPLATE_LINES = (
    "Processed 42 benefit claims and cleared the backlog for my team",
    "Attended the weekly staff meeting and briefed leadership on status",
    "Completed the mandatory cybersecurity awareness training module",
    "Answered public inquiries from the shared mailbox within 24 hours",
    "Updated standard operating procedures for records retention",
    "Reviewed contract invoices against deliverables for accuracy",
    "Coordinated facility maintenance requests with the building manager",
    "Drafted responses to congressional correspondence for review",
    "Mentored two new hires on case management system workflows",
    "Reconciled travel card transactions for the division",
)
SHORT_TEXTS = (
    "- Did my job.",
    "- Worked on assigned tasks.\n- Attended meetings.",
    "- On leave last week.",
    "- Supported the team.",
    "- See my timecard.",
    "- Routine duties.",
)
GROUP = 6  # five or more identical replies make a template


def _variant(lines: list[str], i: int) -> str:
    """Same words, different case and punctuation: identical once normalised."""
    bullet = "-*"[i % 2]
    end = ".!;"[i % 3]
    case = i % 3
    out = []
    for line in lines:
        text = line.lower() if case == 1 else line.upper() if case == 2 else line
        out.append(f"{bullet} {text}{end}")
    return "\n".join(out)


def checkin_template(pl: Planter, count: int) -> None:
    """Six people in a non-exempt agency send the same long reply."""
    eligible = may_reply(pl.p) & ~pl.no_reply
    seen: set[tuple[int, ...]] = set()
    for _ in range(count):
        # Five lines in some order: 10P5 = 30,240 distinct templates, plenty for 2.4M staff.
        pick = tuple(pl.rng.choice(len(TEMPLATE_LINES), size=5, replace=False).tolist())
        while pick in seen:
            pick = tuple(pl.rng.choice(len(TEMPLATE_LINES), size=5, replace=False).tolist())
        seen.add(pick)
        lines = [TEMPLATE_LINES[j] for j in pick]
        members = pl.pick(GROUP, eligible)
        for i, person in enumerate(members):
            pl.forced.append(ForcedReply(person, _variant(lines, i), "web" if i % 2 else "email"))
        pl.add(Plant("anomaly", "CHECKIN_TEMPLATE", members, "medium", "six_copies",
                     "six employees sent the same reply"))  # fmt: skip


def short_identical(pl: Planter, count: int) -> None:
    """Short identical replies (under 60 characters) are not a template."""
    eligible = may_reply(pl.p) & ~pl.no_reply
    for g in range(count):
        text = SHORT_TEXTS[g % len(SHORT_TEXTS)]
        members = pl.pick(GROUP, eligible)
        for person in members:
            pl.forced.append(ForcedReply(person, text))
        pl.add(Plant("lookalike", "short_identical_replies", members, variant=f"{len(text)}_chars",
                     note="identical replies shorter than 60 characters",
                     must_not_flag=("CHECKIN_TEMPLATE",)))  # fmt: skip


def checkin_from_inactive(pl: Planter, count: int) -> None:
    """A reply attributed to someone who had left, or who had died, before the campaign."""
    texts = bullet_texts(pl.rng, count).to_pylist()
    for i in range(count):
        if i % 2 == 0:
            person = pl.one(~pl.exempt)
            pl.p.sep[person] = pl.day_between(day(2025, 1, 6), day(2025, 2, 14))
            variant = "separated"
        else:
            person = paid_after_death(pl, 1, early=True, where=~pl.exempt)[0]
            variant = "died"
        pl.forced.append(ForcedReply(person, str(texts[i])))
        pl.add(Plant("anomaly", "CHECKIN_FROM_INACTIVE", [person], "medium", variant,
                     f"a check-in from an employee who had {variant} before the campaign"))  # fmt: skip


def non_responders(pl: Planter, replied: Bool, active: Bool, count: int) -> None:
    """Silence is never a finding, even where replying was mandatory."""
    mandatory = np.array([a.policy == "mandatory" for a in AGENCIES])[pl.p.agency]
    pool = np.nonzero(active & mandatory & ~replied & ~pl.tracked())[0]
    chosen = sorted(pl.rng.choice(pool, size=min(count, len(pool)), replace=False).tolist())
    pl.add(Plant("lookalike", "non_responder", [int(x) for x in chosen], variant="mandatory_agency",
                 note="did not reply to a mandatory check-in: never a finding",
                 must_not_flag=RULES))  # fmt: skip


def check_forced(pl: Planter) -> None:
    """Guard the planted texts: templates long enough, short ones short enough."""
    norm = normalise(pa.array([f.text for f in pl.forced], pa.string())).to_pylist()
    for f, n in zip(pl.forced, norm, strict=True):
        if f.text in SHORT_TEXTS and len(n.strip()) >= 60:
            raise AssertionError("a short look-alike reply is 60 characters or more")
