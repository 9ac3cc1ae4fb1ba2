"""Death records: strangers (never on the roster) plus the planted matches and conflicts.

Dates are kept as (year, month, day) parts so that partial dates (day or month 00) and
missing ones survive into both output formats: deaths.csv and SSA's fixed-width DMF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from headcount.contract.tables import DEATHS
from headcount.synth import arrowfmt as af
from headcount.synth.common import I64, day
from headcount.synth.vocab import names

DMF_WIDTH = 100
# Where the strangers' records come from (deaths.csv's source column), most from SSA.
STRANGER_SOURCES = ("SSA", "STATE", "OBITUARY")
# (field, width) of the SSA Death Master File record, in column order from column 1.
DMF_LAYOUT = (
    ("type", 1), ("ssn", 9), ("last", 20), ("suffix", 4), ("first", 15), ("middle", 15),
    ("proof", 1), ("dod", 8), ("dob", 8),
)  # fmt: skip


@dataclass(frozen=True)
class DeathRecord:
    """One planted record; date parts use 0 for unknown, dob None when missing."""

    ssn: int
    last: str
    first: str
    middle: str | None
    dod: tuple[int, int, int]
    dob: tuple[int, int, int] | None
    proof: str = "P"  # DMF verify/proof code: V or P corroborate, blank does not
    source: str = "SSA"  # deaths.csv's source column


@dataclass(frozen=True)
class Deaths:
    ssn: I64
    last: pa.Array
    first: pa.Array
    middle: pa.Array
    suffix: pa.Array
    proof: pa.Array
    source: pa.Array
    dod: tuple[I64, I64, I64]
    dob: tuple[I64, I64, I64]  # year 0 where missing

    def __len__(self) -> int:
        return len(self.ssn)


def ymd(days: I64) -> tuple[I64, I64, I64]:
    d64 = np.asarray(days, dtype="datetime64[D]")
    months = d64.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (d64 - months).astype(np.int64) + 1
    return y, m, d


def strangers(rng: np.random.Generator, ssns: I64) -> Deaths:
    """Deaths in 2024-2025 of people who never worked here (their SSNs are not on the roster)."""
    nm = names()
    n = len(ssns)
    female = rng.random(n) < 0.5
    first = np.where(
        female,
        rng.choice(len(nm.first), size=n, p=nm.p_female),
        rng.choice(len(nm.first), size=n, p=nm.p_male),
    )
    middle = np.where(rng.random(n) < 0.6, rng.choice(len(nm.first), size=n, p=nm.p_female), -1)
    last = rng.choice(len(nm.last), size=n, p=nm.p_last)
    dod_days = rng.integers(day(2024, 1, 1), day(2025, 12, 16), size=n)
    age = rng.uniform(35, 101, size=n)
    dob_days = dod_days - np.rint(age * 365.25).astype(np.int64)
    dod = list(ymd(dod_days))
    dob = list(ymd(dob_days))
    # A few partial or missing dates, as in the real file.
    dod[2] = np.where(rng.random(n) < 0.02, 0, dod[2])
    dob[2] = np.where(rng.random(n) < 0.01, 0, dob[2])
    missing_dob = rng.random(n) < 0.01
    dob = [np.where(missing_dob, 0, part) for part in dob]
    suffixes = pa.array(["JR", "SR", "III"])
    has_suffix = rng.random(n) < 0.03
    suffix = af.vocab_take(suffixes, np.where(has_suffix, rng.integers(0, 3, size=n), -1))
    return Deaths(
        ssn=np.asarray(ssns, dtype=np.int64),
        last=af.vocab_take(nm.last_arr, last),
        first=af.vocab_take(nm.first_arr, first),
        middle=af.vocab_take(nm.first_arr, middle),
        suffix=suffix,
        proof=pa.array(np.where(rng.random(n) < 0.7, "V", "P")),
        source=af.vocab_take(
            pa.array(STRANGER_SOURCES), rng.choice(3, size=n, p=(0.8, 0.12, 0.08))
        ),
        dod=(dod[0], dod[1], dod[2]),
        dob=(dob[0], dob[1], dob[2]),
    )


def with_planted(base: Deaths, planted: list[DeathRecord]) -> Deaths:
    """Append planted records and sort everything by SSN, as SSA ships the file."""
    dob = [r.dob or (0, 0, 0) for r in planted]
    parts = Deaths(
        ssn=np.array([r.ssn for r in planted], dtype=np.int64),
        last=pa.array([r.last for r in planted], pa.string()),
        first=pa.array([r.first for r in planted], pa.string()),
        middle=pa.array([r.middle for r in planted], pa.string()),
        suffix=pa.nulls(len(planted), pa.string()),
        proof=pa.array([r.proof for r in planted], pa.string()),
        source=pa.array([r.source for r in planted], pa.string()),
        dod=tuple(np.array([r.dod[i] for r in planted], dtype=np.int64) for i in range(3)),  # type: ignore[arg-type]
        dob=tuple(np.array([d[i] for d in dob], dtype=np.int64) for i in range(3)),  # type: ignore[arg-type]
    )
    ssn = np.concatenate([base.ssn, parts.ssn])
    order = np.argsort(ssn, kind="stable")
    idx = pa.array(order)

    def cat(a: pa.Array, b: pa.Array) -> pa.Array:
        return pa.concat_arrays([a, b]).take(idx)

    def cat3(a: tuple[I64, I64, I64], b: tuple[I64, I64, I64]) -> tuple[I64, I64, I64]:
        y, m, d = (np.concatenate([a[i], b[i]])[order] for i in range(3))
        return y, m, d

    return Deaths(
        ssn=ssn[order],
        last=cat(base.last, parts.last),
        first=cat(base.first, parts.first),
        middle=cat(base.middle, parts.middle),
        suffix=cat(base.suffix, parts.suffix),
        proof=cat(base.proof, parts.proof),
        source=cat(base.source, parts.source),
        dod=cat3(base.dod, parts.dod),
        dob=cat3(base.dob, parts.dob),
    )


def _iso(parts: tuple[I64, I64, I64]) -> pa.Array:
    y, m, d = parts
    return af.pattern(y * 10_000 + m * 100 + d, "####-##-##", valid=y > 0)


def csv_table(deaths: Deaths) -> pa.Table:
    """deaths.csv: SSNs as 9 digits (as SSA ships them), partial dates as YYYY-MM-00, and the
    source of each record."""
    data = {
        "ssn": af.pattern(deaths.ssn, "#########"),
        "last_name": deaths.last,
        "first_name": deaths.first,
        "middle_name": deaths.middle,
        "date_of_death": _iso(deaths.dod),
        "date_of_birth": _iso(deaths.dob),
        "source": deaths.source,
    }
    assert tuple(data) == DEATHS.column_names
    return pa.table(data)


def _field(arr: pa.Array, width: int) -> pa.Array:
    text = pc.fill_null(pc.utf8_upper(arr), "")
    cut = pc.utf8_slice_codeunits(text, 0, width)
    return pc.utf8_rpad(cut, width=width, padding=" ")


def _mmddccyy(parts: tuple[I64, I64, I64]) -> pa.Array:
    y, m, d = parts
    digits = af.pattern(m * 1_000_000 + d * 10_000 + y, "########", valid=y > 0)
    return pc.fill_null(digits, " " * 8)  # a missing date is left blank


def dmf_bytes(deaths: Deaths) -> bytes:
    """SSA Death Master File: 100-character upper-case fixed-width records, one per line."""
    n = len(deaths)
    fields = {
        "type": pa.array([" "] * n, pa.string()),
        "ssn": af.pattern(deaths.ssn, "#########"),
        "last": _field(deaths.last, 20),
        "suffix": _field(deaths.suffix, 4),
        "first": _field(deaths.first, 15),
        "middle": _field(deaths.middle, 15),
        "proof": deaths.proof,
        "dod": _mmddccyy(deaths.dod),
        "dob": _mmddccyy(deaths.dob),
    }
    assert tuple(fields) == tuple(name for name, _ in DMF_LAYOUT)
    line = pc.utf8_rpad(af.join(*fields.values()), width=DMF_WIDTH, padding=" ")
    # Every record is exactly 100 ASCII bytes, so the string data is already the file body.
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)[line.offset : line.offset + n + 1]
    body = np.frombuffer(line.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if len(body) != n * DMF_WIDTH:
        raise ValueError("DMF record is not 100 ASCII characters")
    out = np.empty((n, DMF_WIDTH + 1), dtype=np.uint8)
    out[:, :DMF_WIDTH] = body.reshape(n, DMF_WIDTH)
    out[:, DMF_WIDTH] = ord("\n")
    return out.tobytes()
