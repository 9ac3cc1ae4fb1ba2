"""The background workforce: one row per person as numpy columns, no per-person loops.

Everyone drawn here is "clean": valid unique SSN, own bank account, pay within the cap,
withholding taken, paid exactly for the periods worked. Plants (plants_*.py) then take a few
fresh people and bend them into anomalies and look-alikes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from headcount.synth.common import (
    AGENCIES,
    ES_CAP,
    F64,
    GS_CAP,
    I8,
    I32,
    I64,
    NO_DATE,
    Bool,
    day,
    first_period,
    last_period,
)
from headcount.synth.vocab import Places, names

# 2024 GS step-1 base pay for grades 5-15, raised 1.7% for 2025; each step adds 1/30 of step 1.
_GS_STEP1_2024 = {
    5: 33_878, 6: 37_765, 7: 41_966, 8: 46_475, 9: 51_332, 10: 56_528,
    11: 62_107, 12: 74_441, 13: 88_520, 14: 104_604, 15: 123_041,
}  # fmt: skip
_GRADE_WEIGHT = {5: 3, 6: 4, 7: 9, 8: 5, 9: 11, 10: 5, 11: 14, 12: 17, 13: 15, 14: 10, 15: 7}
_HEALTH_CENTS = np.array([4_518, 8_012, 12_650, 17_522, 21_877, 29_830, 36_845], dtype=np.int64)
ES_SHARE = 0.015


def gs_base(grade: I64, step: I64) -> F64:
    step1 = np.zeros(16)
    for g, v in _GS_STEP1_2024.items():
        step1[g] = round(v * 1.017)
    base = step1[grade] * (1 + (step - 1) / 30)
    return np.asarray(base, dtype=np.float64)


def unique_ints(rng: np.random.Generator, lo: int, hi: int, count: int) -> I64:
    """`count` distinct integers in [lo, hi) in random order."""
    got = np.empty(0, dtype=np.int64)
    extra = count // 20 + 50
    while len(got) < count:
        pool = np.concatenate([got, rng.integers(lo, hi, size=count + extra, dtype=np.int64)])
        _, first = np.unique(pool, return_index=True)
        got = pool[np.sort(first)]
        extra *= 2
    return got[:count]


@dataclass
class People:
    """Column arrays over n people; the first n_roster are in the roster, the rest are ghosts."""

    n_roster: int
    emp_num: I64
    ssn: I64
    first: I32
    middle: I32  # -1: no middle name
    last: I32
    female: Bool
    dob: I32
    hire: I32
    sep: I32  # NO_DATE while employed
    death: I32  # actual day of death, NO_DATE for the living (only plants die)
    agency: I8
    org: I32
    es: Bool
    grade: I8  # 0 for ES
    step: I8
    salary: I64  # whole dollars
    supervisor: I32  # person index, -1 for none
    bldg: I32
    street: I32
    apt: I32  # 0: no apartment
    city: I32
    zip: I32
    po_box: I32  # 0: mail goes to the home address
    payee_style: I8  # 0 "LAST, FIRST M", 1 "First Last"
    routing: I32
    account: I64
    fed_rate: F64
    ret_rate: F64
    health_cents: I64
    org_codes: tuple[str, ...]
    routings: tuple[str, ...]
    # Payroll controls, filled by finalize_pay() and bent by plants.
    pay_first: I32 = field(default_factory=lambda: np.empty(0, np.int32))
    pay_last: I32 = field(default_factory=lambda: np.empty(0, np.int32))
    no_withholding: Bool = field(default_factory=lambda: np.empty(0, bool))
    # Sparse per-person exceptions (planted cases only).
    roster_ssn_text: dict[int, str] = field(default_factory=dict)
    first_text: dict[int, str] = field(default_factory=dict)  # a name outside the vocabulary
    last_text: dict[int, str] = field(default_factory=dict)
    email_same_as: dict[int, int] = field(default_factory=dict)  # keeps that person's email
    ssn_dashless_on_payments: set[int] = field(default_factory=set)
    pay_ssn_switch: dict[int, tuple[int, str]] = field(default_factory=dict)  # from period, ssn
    payee_switch: dict[int, tuple[int, str]] = field(default_factory=dict)  # from period, name
    early_gross: dict[int, tuple[int, int]] = field(default_factory=dict)  # until period, cents
    pay_range: dict[int, tuple[int, int]] = field(default_factory=dict)  # first, last period
    # From period k on, pay goes to (routing, account): a change of bank account.
    bank_from: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    spike: dict[int, tuple[int, int]] = field(default_factory=dict)  # period, regular gross
    home_text: dict[int, str] = field(default_factory=dict)  # a home address as written

    @property
    def n(self) -> int:
        return len(self.emp_num)

    @property
    def gross_cents(self) -> I64:
        """Biweekly regular gross: annual salary / 26, to the cent."""
        return np.asarray(np.rint(self.salary * 100 / 26), dtype=np.int64)

    def gross_of(self, i: int) -> int:
        """gross_cents for one person (without computing the whole column)."""
        return round(int(self.salary[i]) * 100 / 26)

    def state(self, places: Places) -> I32:
        return np.asarray(places.city_state[self.city], dtype=np.int32)


def _routings(rng: np.random.Generator, count: int) -> tuple[str, ...]:
    """ABA routing numbers with a valid check digit (Federal Reserve prefixes 01-12)."""
    out: list[str] = []
    for _ in range(count):
        d = [int(rng.integers(1, 13))] + [int(x) for x in rng.integers(0, 10, size=6)]
        head = [d[0] // 10, d[0] % 10, *d[1:]]
        s = (
            3 * (head[0] + head[3] + head[6])
            + 7 * (head[1] + head[4] + head[7])
            + head[2]
            + head[5]
        )
        out.append("".join(map(str, head)) + str((10 - s % 10) % 10))
    return tuple(out)


def _orgs(n_roster: int) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    offices = max(2, min(60, n_roster // 2500))
    codes: list[str] = []
    spans: list[tuple[int, int]] = []
    for a in AGENCIES:
        start = len(codes)
        codes += [f"{sub}{k:02d}" for sub in a.suborgs for k in range(1, offices + 1)]
        spans.append((start, len(codes)))
    return tuple(codes), spans


def background(
    rng: np.random.Generator, n_roster: int, n_ghosts: int, places: Places, ssns: I64
) -> People:
    """n_roster employees plus n_ghosts spare rows (payees the roster will not know)."""
    nm = names()
    n = n_roster + n_ghosts
    female = rng.random(n) < 0.45
    first = np.where(
        female,
        rng.choice(len(nm.first), size=n, p=nm.p_female),
        rng.choice(len(nm.first), size=n, p=nm.p_male),
    ).astype(np.int32)
    middle = np.where(
        female,
        rng.choice(len(nm.first), size=n, p=nm.p_female),
        rng.choice(len(nm.first), size=n, p=nm.p_male),
    ).astype(np.int32)
    middle = np.where(middle == first, (middle + 1) % len(nm.first), middle)
    middle = np.where(rng.random(n) < 0.85, middle, -1).astype(np.int32)
    last = rng.choice(len(nm.last), size=n, p=nm.p_last).astype(np.int32)

    age = 21 + 45 * rng.beta(2.0, 2.2, size=n)
    dob = (day(2025, 7, 1) - np.rint(age * 365.25)).astype(np.int32)
    # Incumbents hired before 2025 (tenure skewed recent), about 5% hired during 2025.
    tenure = np.minimum(rng.exponential(9.0, size=n) + 0.1, age - 21.0)
    hire = (day(2024, 12, 31) - np.rint(tenure * 365.25)).astype(np.int32)
    new = rng.random(n) < 0.05
    hire = np.where(new, rng.integers(day(2025, 1, 2), day(2025, 11, 29), size=n), hire)
    hire = hire.astype(np.int32)
    sep_lo = np.maximum(hire + 20, day(2025, 1, 3))
    sep_day = sep_lo + (rng.random(n) * (day(2025, 12, 19) - sep_lo)).astype(np.int64)
    leaves = (rng.random(n) < 0.06) & (sep_lo < day(2025, 12, 19))
    sep = np.where(leaves, sep_day, NO_DATE).astype(np.int32)

    shares = np.array([a.share for a in AGENCIES])
    agency = rng.choice(len(AGENCIES), size=n, p=shares / shares.sum()).astype(np.int8)
    org_codes, spans = _orgs(n_roster)
    lo = np.array([s[0] for s in spans])[agency]
    hi = np.array([s[1] for s in spans])[agency]
    org = (lo + (rng.random(n) * (hi - lo)).astype(np.int64)).astype(np.int32)

    city = rng.integers(0, len(places.city_names), size=n).astype(np.int32)
    zip_code = np.minimum(
        places.city_zip[city] + rng.integers(0, 12, size=n), places.city_zip_hi[city]
    )
    state = places.city_state[city]

    es = rng.random(n) < ES_SHARE
    grades = np.array(list(_GRADE_WEIGHT))
    gw = np.array(list(_GRADE_WEIGHT.values()), dtype=np.float64)
    grade = rng.choice(grades, size=n, p=gw / gw.sum())
    sw = np.linspace(1.6, 0.6, 10)
    step = rng.choice(np.arange(1, 11), size=n, p=sw / sw.sum())
    gs_salary = np.minimum(np.rint(gs_base(grade, step) * (1 + places.locality[state])), GS_CAP)
    es_salary = np.where(
        rng.random(n) < 0.08, ES_CAP, np.rint(rng.uniform(180_000, ES_CAP, size=n) / 100) * 100
    )
    salary = np.where(es, es_salary, gs_salary).astype(np.int64)
    grade = np.where(es, 0, grade).astype(np.int8)
    step = np.where(es, 0, step).astype(np.int8)

    supervisor = _supervisors(rng, org, es | (grade >= 13), n_roster)

    fed_rate = np.clip(
        0.07 + 0.12 * (salary - 35_000) / 150_000 + rng.normal(0, 0.015, n), 0.05, 0.26
    )
    ret_rate = np.select([hire < day(2013, 1, 1), hire < day(2014, 1, 1)], [0.008, 0.031], 0.044)
    routings = _routings(rng, 40)
    return People(
        n_roster=n_roster,
        emp_num=np.arange(1, n + 1, dtype=np.int64),
        ssn=np.asarray(ssns[:n], dtype=np.int64),
        first=first,
        middle=middle,
        last=last,
        female=female,
        dob=dob,
        hire=hire,
        sep=sep,
        death=np.full(n, NO_DATE, dtype=np.int32),
        agency=agency,
        org=org,
        es=es,
        grade=grade,
        step=step,
        salary=salary,
        supervisor=supervisor,
        bldg=rng.integers(1, 20_000, size=n).astype(np.int32),
        street=rng.integers(0, len(places.streets), size=n).astype(np.int32),
        apt=np.where(rng.random(n) < 0.15, rng.integers(1, 999, size=n), 0).astype(np.int32),
        city=city,
        zip=zip_code.astype(np.int32),
        po_box=np.where(rng.random(n) < 0.03, rng.integers(100, 9999, size=n), 0).astype(np.int32),
        payee_style=(rng.random(n) < 0.12).astype(np.int8),
        routing=rng.integers(0, len(routings), size=n).astype(np.int32),
        account=unique_ints(rng, 10**9, 10**12, n),
        fed_rate=fed_rate,
        ret_rate=ret_rate,
        health_cents=rng.choice(_HEALTH_CENTS, size=n),
        org_codes=org_codes,
        routings=routings,
    )


def _supervisors(rng: np.random.Generator, org: I32, eligible: Bool, n_roster: int) -> I32:
    """Each person reports to a random senior person of the same org (never to themselves)."""
    n = len(org)
    idx = np.arange(n)
    cand = idx[eligible & (idx < n_roster) & (rng.random(n) < 0.35)]
    cand = cand[np.argsort(org[cand], kind="stable")]
    corg = org[cand]
    lo = np.searchsorted(corg, org, side="left")
    hi = np.searchsorted(corg, org, side="right")
    has = hi > lo
    pick = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    sup = np.where(has, cand[np.minimum(pick, len(cand) - 1)] if len(cand) else -1, -1)
    sup = np.where(sup == idx, -1, sup)
    return np.where(idx < n_roster, sup, -1).astype(np.int32)


def finalize_pay(p: People) -> None:
    """Periods paid follow hire and separation dates, except where a plant says otherwise."""
    p.pay_first = first_period(p.hire)
    p.pay_last = last_period(p.sep)
    for i, (a, b) in p.pay_range.items():
        p.pay_first[i], p.pay_last[i] = a, b
    if len(p.no_withholding) != p.n:
        p.no_withholding = np.zeros(p.n, dtype=bool)


def dedupe_name_dob(p: People, frozen: Bool) -> None:
    """Nudge birth dates so no two roster people share given name, surname and birth date."""
    for _ in range(50):
        key = (p.last.astype(np.int64) * 10_000 + p.first) * 100_000 + p.dob
        order = np.argsort(key, kind="stable")
        dup = np.zeros(p.n, dtype=bool)
        same = key[order][1:] == key[order][:-1]
        if not same.any():
            return
        later = order[1:][same]
        earlier = order[:-1][same]
        # Move whichever of the two is not a plant; plants keep their planned data.
        move = np.where(frozen[later], earlier, later)
        dup[move[~frozen[move]]] = True
        # Far enough (one to five years, any day) that the two are plainly two people to a
        # linkage model, not one person with a mistyped birth date.
        shift = 400 + (p.emp_num * 7919) % 1500
        p.dob = np.where(dup, p.dob - shift, p.dob).astype(np.int32)
