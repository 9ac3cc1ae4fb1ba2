"""Social Security numbers: sampling never-issued-free unique numbers and formatting them.

An SSN is carried as one 9-digit integer (area * 10**6 + group * 10**4 + serial).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from headcount.matching import ssn as issued
from headcount.synth import arrowfmt
from headcount.synth.common import I64, Bool, IntArray

# Numbers SSA voided after they were published, as the integers synth carries SSNs in.
VOIDED_ORDER: tuple[int, ...] = tuple(int(v) for v in issued.VOIDED)
_AREAS = 898  # 001-899 without 666
_SPACE = _AREAS * 99 * 9999


def decode(u: I64) -> I64:
    """Map 0.._SPACE-1 onto valid numbers: area 001-899 but 666, group 01-99, serial 0001-9999."""
    area = u // (99 * 9999) + 1
    rest = u % (99 * 9999)
    area = area + (area >= 666)
    group = rest // 9999 + 1
    serial = rest % 9999 + 1
    return np.asarray(area * 1_000_000 + group * 10_000 + serial, dtype=np.int64)


def sample_unique(rng: np.random.Generator, count: int) -> I64:
    """`count` distinct valid SSNs in random order (deterministic for the generator state)."""
    got = np.empty(0, dtype=np.int64)
    extra = count // 50 + 100
    while len(got) < count:
        draw = decode(rng.integers(0, _SPACE, size=count + extra, dtype=np.int64))
        pool = np.concatenate([got, draw])
        _, first = np.unique(pool, return_index=True)
        pool = pool[np.sort(first)]  # keep first occurrences, in draw order
        got = pool[~np.isin(pool, np.array(VOIDED_ORDER, dtype=np.int64))]
        extra *= 2
    return got[:count]


def text(ssn: IntArray, dashed: Bool | None = None) -> pa.Array:
    """'NNN-NN-NNNN' (or nine bare digits where dashed is False)."""
    with_dashes = arrowfmt.pattern(ssn, "###-##-####")
    if dashed is None or bool(dashed.all()):
        return with_dashes
    return arrowfmt.if_else(dashed, with_dashes, arrowfmt.pattern(ssn, "#########"))


def fmt(ssn: int, dashed: bool = True) -> str:
    s = f"{ssn:09d}"
    return f"{s[:3]}-{s[3:5]}-{s[5:]}" if dashed else s
