"""Identifiers (employee, payment, campaign ids): what one may hold, and how lists of them
cross the CSV boundary.

Inside headcount the ids a finding names are lists (DuckDB VARCHAR[], Arrow list<string>,
Python tuples). Only findings.csv and findings.parquet hold them as one text, `;`-separated
as the data contract fixes: `join_ids` writes that text and `split_ids` is its only reader.
They are exact inverses because ingest refuses, as bad input, any id for which
`id_problem` has something to say: an id containing `;` would otherwise come back from
`split_ids` as two ids, one of which may be an innocent person's.

The characters refused are defined once here, as code point ranges, and turned into both
a Python pattern (`id_problem`) and an RE2 pattern (`IdCheck.re2`, for ingest's SQL), so the
two checks cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SEPARATOR = ";"

# Columns holding an id, in whichever table they appear (ingest checks every one).
ID_COLUMNS = frozenset({"employee_id", "supervisor_id", "payment_id", "campaign_id"})

Ranges = tuple[tuple[int, int], ...]

# Line breaks, tabs, NUL and the other C0/C1 controls, and the Unicode line and paragraph
# separators: each splits a line for some reader (a spreadsheet, grep, str.splitlines).
_CONTROL: Ranges = ((0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029))
# Characters that print as nothing: soft hyphen, Arabic letter mark, Mongolian vowel
# separator, zero-width space/joiners, direction marks and embeddings, word joiner and
# invisible operators, isolates, byte-order mark. "E0000005" followed by one of them is
# another id that looks the same.
_INVISIBLE: Ranges = (
    (0xAD, 0xAD),
    (0x61C, 0x61C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
)
# Space characters. Inside an id a space is data ("AB 123"); at either end it is dropped by
# any reader that trims (ingest trims ASCII blanks; Python's str.strip and spreadsheets
# also drop a no-break space), which would turn the id into another.
_SPACE: Ranges = (
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)


def _class(ranges: Ranges, escape: str) -> str:
    parts = []
    for lo, hi in ranges:
        parts.append(escape.format(lo) if lo == hi else f"{escape.format(lo)}-{escape.format(hi)}")
    return "[" + "".join(parts) + "]"


@dataclass(frozen=True)
class IdCheck:
    """One reason an id is refused: characters it may not hold (anywhere, or at its ends)."""

    ranges: Ranges
    ends_only: bool
    why: str  # completes "<column> ..." in a message

    def _pattern(self, escape: str, start: str, end: str) -> str:
        cls = _class(self.ranges, escape)
        return f"{start}{cls}|{cls}{end}" if self.ends_only else cls

    @property
    def re2(self) -> str:
        """For DuckDB's regexp_matches (RE2): `$` is the end of the text there."""
        return self._pattern(r"\x{{{:X}}}", "^", "$")

    @property
    def python(self) -> re.Pattern[str]:
        return re.compile(self._pattern(r"\U{:08X}", r"\A", r"\Z"))


ID_CHECKS = (
    IdCheck(
        ((ord(SEPARATOR), ord(SEPARATOR)),),
        ends_only=False,
        why=f"contains '{SEPARATOR}', which headcount uses to separate ids in its outputs",
    ),
    IdCheck(
        _CONTROL,
        ends_only=False,
        why="contains a line break, tab or other control character",
    ),
    IdCheck(
        _INVISIBLE,
        ends_only=False,
        why="contains an invisible character (a zero-width space, direction mark, byte-order "
        "mark or the like), which makes it look like another id",
    ),
    IdCheck(
        _SPACE,
        ends_only=True,
        why="begins or ends with a space character that is not trimmed (such as a no-break "
        "space), which makes it look like another id",
    ),
)
_PYTHON_CHECKS = tuple((check.python, check.why) for check in ID_CHECKS)
# One search settles the usual case, an acceptable id; the reason is looked for only after.
_ANY_REFUSED = re.compile("|".join(pattern.pattern for pattern, _ in _PYTHON_CHECKS))


def id_problem(value: str) -> str | None:
    """Why `value` cannot be an id (a phrase completing "<column> ..."), or None if it can."""
    if not value:
        return "is empty"
    if _ANY_REFUSED.search(value) is None:
        return None
    return next(why for pattern, why in _PYTHON_CHECKS if pattern.search(value))


def join_ids(ids: Iterable[str]) -> str:
    """The contract's text for a list of ids: `;`-separated, in the order given.

    Raises ValueError for an id that split_ids could not give back exactly; ingest refuses
    such ids, so reaching this means an id came in by some other door.
    """
    ids = list(ids)
    for position, value in enumerate(ids, start=1):
        problem = id_problem(value)
        if problem is not None:
            raise ValueError(f"id {position} of {len(ids)} {problem}")
    return SEPARATOR.join(ids)


def split_ids(text: str) -> tuple[str, ...]:
    """The ids of a contract text written by join_ids; '' is no ids.

    Raises ValueError for a text join_ids cannot have written (an empty id between two
    separators, an id with a blank at either end, ...), rather than guess what was meant.
    """
    if text == "":
        return ()
    ids = tuple(text.split(SEPARATOR))
    for position, value in enumerate(ids, start=1):
        problem = id_problem(value)
        if problem is not None:
            raise ValueError(f"id {position} of {len(ids)} {problem}")
    return ids
