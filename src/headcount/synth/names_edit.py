"""Small string helpers for planted name variants: typos, transpositions and distance."""

from __future__ import annotations

import numpy as np

from headcount.synth.vocab import nickname_pairs, nicknames_of

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (edits, with adjacent transpositions as one)."""
    a, b = a.lower(), b.lower()
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def typo(rng: np.random.Generator, name: str) -> str:
    """One wrong letter inside the name (never the first), keeping its case style."""
    pos = int(rng.integers(1, len(name)))
    old = name[pos].lower()
    new = (
        _LETTERS[(_LETTERS.index(old) + int(rng.integers(1, 26))) % 26] if old in _LETTERS else "x"
    )
    return name[:pos] + (new.upper() if name[pos].isupper() else new) + name[pos + 1 :]


def transposition(name: str) -> str:
    """Swap the first adjacent pair of different letters after the initial."""
    for i in range(1, len(name) - 1):
        if name[i].lower() != name[i + 1].lower():
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:1] + "x" + name[1:]


def given_equivalent(a: str, b: str) -> bool:
    """The contract's given-name equivalence: equal, a nickname either way, or one typo."""
    x, y = a.strip().lower(), b.strip().lower()
    return x == y or (x, y) in nickname_pairs() or osa_distance(x, y) <= 1


def surname_equivalent(a: str, b: str) -> bool:
    return osa_distance(a.strip(), b.strip()) <= 1


def distinct_nickname(name: str) -> str | None:
    """A nickname of `name` that is not also a typo of it (so only the nickname rule matches)."""
    options = [
        n for n in nicknames_of(name) if n.isalpha() and len(n) <= 15 and osa_distance(n, name) >= 2
    ]
    return options[0].capitalize() if options else None
