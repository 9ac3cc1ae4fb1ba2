"""The check-in campaign: one campaigns row per agency and the replies to it.

Background replies are distinct 3-5 bullet texts built column-wise from Faker's word list;
planted replies (templates, short identical notes, replies from the inactive) are forced in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from headcount.contract.tables import CAMPAIGNS, CHECKINS
from headcount.synth import arrowfmt as af
from headcount.synth.columns import PersonText
from headcount.synth.common import (
    AGENCIES,
    CAMPAIGN_ID,
    DEADLINE,
    DEADLINE_EPOCH_S,
    REPLY_HIRE_LIMIT,
    REPLY_RATE,
    REPLY_SEP_MARGIN,
    SENT_AT,
    SENT_DAY,
    SENT_EPOCH_S,
    Bool,
)
from headcount.synth.people import People
from headcount.synth.vocab import words

VERBS = (
    "Reviewed", "Completed", "Drafted", "Processed", "Met with", "Prepared", "Updated",
    "Resolved", "Coordinated", "Analyzed", "Inspected", "Trained", "Answered", "Submitted",
    "Scheduled", "Closed out", "Supported", "Tested", "Briefed", "Audited",
)  # fmt: skip
MAX_BULLETS, MAX_WORDS = 5, 8


@dataclass(frozen=True)
class ForcedReply:
    person: int
    text: str
    source: str = "web"


def campaigns_table() -> pa.Table:
    data = {
        "campaign_id": pa.array([CAMPAIGN_ID] * len(AGENCIES)),
        "sent_at": pa.array([SENT_AT] * len(AGENCIES)),
        "deadline": pa.array([DEADLINE] * len(AGENCIES)),
        "agency": pa.array([a.code for a in AGENCIES]),
        "policy": pa.array([a.policy for a in AGENCIES]),
    }
    assert tuple(data) == CAMPAIGNS.column_names
    return pa.table(data)


def active_at_sent(p: People) -> Bool:
    """Employed and alive on the day the campaign was sent (the response-rate denominator)."""
    roster = np.arange(p.n) < p.n_roster
    active = roster & (p.hire <= SENT_DAY) & (p.sep >= SENT_DAY) & (p.death > SENT_DAY)
    return np.asarray(active, dtype=bool)


def may_reply(p: People) -> Bool:
    """Background repliers: clearly active (away from any date boundary) in a non-exempt agency."""
    exempt = np.array([a.policy == "exempt" for a in AGENCIES])[p.agency]
    clear = (
        (p.hire <= REPLY_HIRE_LIMIT) & (p.sep >= REPLY_SEP_MARGIN) & (p.death >= REPLY_SEP_MARGIN)
    )
    return np.asarray(active_at_sent(p) & clear & ~exempt, dtype=bool)


def normalise(text: pa.Array) -> pa.Array:
    """The CHECKIN_TEMPLATE comparison form: lower case, runs of non-alphanumerics -> one space."""
    result: pa.Array = pc.replace_substring_regex(
        pc.utf8_lower(text), pattern="[^a-z0-9]+", replacement=" "
    )
    return result


def bullet_texts(rng: np.random.Generator, m: int) -> pa.Array:
    """m distinct replies of 3-5 lines '- Verb some words.' joined with newlines."""
    vocab = pa.array(words())
    verbs = pa.array(VERBS)
    n_bullets = rng.integers(3, MAX_BULLETS + 1, size=m)
    bullets: list[pa.Array] = []
    for b in range(MAX_BULLETS):
        n_words = rng.integers(3, MAX_WORDS + 1, size=m)
        parts = [
            af.vocab_take(vocab, np.where(j < n_words, rng.integers(0, len(vocab), size=m), -1))
            for j in range(MAX_WORDS)
        ]
        phrase = af.join(*parts, sep=" ", skip_nulls=True)
        line = af.join(
            "-", af.vocab_take(verbs, rng.integers(0, len(VERBS), size=m)), phrase, sep=" "
        )
        line = af.join(line, ".")
        bullets.append(af.if_else(b < n_bullets, line, pa.nulls(m, pa.string())))
    text = af.join(*bullets, sep="\n", skip_nulls=True)
    # Collisions are astronomically rare, but the contract of this file is "all distinct".
    norm = normalise(text)
    codes = np.asarray(pc.dictionary_encode(norm).indices)
    _, first = np.unique(codes, return_index=True)
    repeat = np.ones(m, dtype=bool)
    repeat[first] = False
    if repeat.any():
        tag = af.join("- Logged ticket", af.ints(np.arange(m)), sep=" ")
        text = af.if_else(repeat, af.join(text, af.join(tag, "."), sep="\n"), text)
    return text


def replies(
    rng: np.random.Generator,
    p: People,
    text: PersonText,
    no_reply: Bool,
    forced: list[ForcedReply],
) -> tuple[pa.Table, Bool]:
    """The checkins table and, per person, whether they replied."""
    rate = np.array([REPLY_RATE[a.policy] for a in AGENCIES])[p.agency]
    forced_people = np.array([f.person for f in forced], dtype=np.int64)
    chosen = may_reply(p) & (rng.random(p.n) < rate) & ~no_reply
    chosen[forced_people] = False
    who = np.nonzero(chosen)[0].astype(np.int64)
    body = bullet_texts(rng, len(who))
    forced_norm = normalise(pa.array([f.text for f in forced], pa.string()))
    if len(forced) and pc.any(pc.is_in(normalise(body), value_set=forced_norm)).as_py():
        raise RuntimeError("a background reply collided with a planted one")
    person = np.concatenate([who, forced_people])
    all_text = pa.concat_arrays([body, pa.array([f.text for f in forced], pa.string())])
    source = pa.concat_arrays(
        [
            pa.array(np.where(rng.random(len(who)) < 0.7, "web", "email")),
            pa.array([f.source for f in forced], pa.string()),
        ]
    )
    secs = rng.integers(SENT_EPOCH_S + 90, DEADLINE_EPOCH_S, size=len(person))
    order = np.lexsort((person, secs))
    idx = pa.array(person[order])
    stamps = pc.strftime(pa.array(secs[order], pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%SZ")
    data = {
        "campaign_id": pa.array([CAMPAIGN_ID] * len(person), pa.string()),
        "employee_id": text.employee_id.take(idx),
        "work_email": text.email.take(idx),
        "submitted_at": stamps,
        "text": all_text.take(pa.array(order)),
        "source": source.take(pa.array(order)),
    }
    assert tuple(data) == CHECKINS.column_names
    replied = np.zeros(p.n, dtype=bool)
    replied[person] = True
    return pa.table(data), replied
