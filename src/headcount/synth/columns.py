"""Person-level text columns (ids, names, addresses, ...) built once, shared by every table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from headcount.contract.tables import ROSTER
from headcount.synth import arrowfmt as af
from headcount.synth import ssn as ssnmod
from headcount.synth.common import AGENCIES, I32, NO_DATE
from headcount.synth.people import People
from headcount.synth.vocab import Places, names


@dataclass(frozen=True)
class PersonText:
    employee_id: pa.Array
    ssn: pa.Array  # as on the roster
    first: pa.Array
    middle: pa.Array
    last: pa.Array
    payee: pa.Array  # as the payroll system prints the name
    home: pa.Array
    mailing: pa.Array
    city: pa.Array
    state: pa.Array
    zip: pa.Array
    email: pa.Array
    routing: pa.Array
    account: pa.Array
    agency: pa.Array
    org: pa.Array


def employee_ids(nums: np.ndarray) -> pa.Array:
    return af.pattern(nums, "E#######")


def payee_names(first: pa.Array, middle: pa.Array, last: pa.Array, style: np.ndarray) -> pa.Array:
    initial = pc.utf8_slice_codeunits(middle, 0, 1)
    formal = af.join(
        af.join(af.upper(last), af.upper(first), sep=", "),
        af.upper(initial),
        sep=" ",
        skip_nulls=True,
    )
    plain = af.join(first, last, sep=" ")
    return af.if_else(style == 1, plain, formal)


def _email_suffix(p: People) -> I32:
    """0 for the first holder of agency+first+last, then 2, 3, ... like real mail systems."""
    key = (p.agency.astype(np.int64) * 10_000 + p.first) * 10_000 + p.last
    order = np.argsort(key, kind="stable")
    ks = key[order]
    starts = np.r_[0, np.nonzero(ks[1:] != ks[:-1])[0] + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(ks)]))
    rank = np.empty(p.n, dtype=np.int64)
    rank[order] = np.arange(p.n) - group_start
    return np.where(rank > 0, rank + 1, 0).astype(np.int32)


def _patched(arr: pa.Array, texts: dict[int, str]) -> pa.Array:
    positions = sorted(texts)
    return af.patch(arr, positions, [texts[i] for i in positions])


def build(p: People, places: Places) -> PersonText:
    nm = names()
    first = _patched(af.vocab_take(nm.first_arr, p.first), p.first_text)
    middle = af.vocab_take(nm.first_arr, p.middle)
    last = _patched(af.vocab_take(nm.last_arr, p.last), p.last_text)
    roster_ssn = ssnmod.text(p.ssn)
    positions = sorted(p.roster_ssn_text)
    roster_ssn = af.patch(roster_ssn, positions, [p.roster_ssn_text[i] for i in positions])

    apt = af.join("Apt.", af.ints(p.apt, valid=p.apt > 0), sep=" ")
    home = _patched(
        af.join(
            af.ints(p.bldg), af.vocab_take(places.streets, p.street), apt, sep=" ", skip_nulls=True
        ),
        p.home_text,
    )
    po_box = af.join("PO Box", af.ints(p.po_box), sep=" ")
    mailing = af.if_else(p.po_box > 0, po_box, home)

    suffix = _email_suffix(p)
    domains = pa.array([a.domain for a in AGENCIES])
    local = af.join(
        af.lower(first),
        af.join(af.lower(last), af.ints(suffix, valid=suffix > 0), skip_nulls=True),
        sep=".",
    )
    email = af.join(local, af.vocab_take(domains, p.agency), sep="@")
    email = _patched(email, {b: str(email[a]) for b, a in p.email_same_as.items()})
    return PersonText(
        employee_id=employee_ids(p.emp_num),
        ssn=roster_ssn,
        first=first,
        middle=middle,
        last=last,
        payee=payee_names(first, middle, last, p.payee_style),
        home=home,
        mailing=mailing,
        city=af.vocab_take(places.city_names, p.city),
        state=af.vocab_take(pa.array(places.states), places.city_state[p.city]),
        zip=af.pattern(p.zip, "#####"),
        email=email,
        routing=af.vocab_take(pa.array(p.routings), p.routing),
        account=af.ints(p.account),
        agency=af.vocab_take(pa.array([a.code for a in AGENCIES]), p.agency),
        org=af.vocab_take(pa.array(p.org_codes), p.org),
    )


def roster_table(p: People, text: PersonText) -> pa.Table:
    n = p.n_roster
    r = slice(0, n)
    sup = p.supervisor[r]
    data = {
        "employee_id": text.employee_id.slice(0, n),
        "ssn": text.ssn.slice(0, n),
        "first_name": text.first.slice(0, n),
        "middle_name": text.middle.slice(0, n),
        "last_name": text.last.slice(0, n),
        "date_of_birth": af.dates(p.dob[r]),
        "hire_date": af.dates(p.hire[r]),
        "separation_date": af.dates(p.sep[r], valid=p.sep[r] != NO_DATE),
        "agency": text.agency.slice(0, n),
        "org_code": text.org.slice(0, n),
        "pay_plan": af.vocab_take(pa.array(["GS", "ES"]), p.es[r].astype(np.int64)),
        "grade": af.ints(p.grade[r], valid=p.grade[r] > 0),
        "step": af.ints(p.step[r], valid=p.step[r] > 0),
        "annual_salary": af.money(p.salary[r] * 100),
        "supervisor_id": af.vocab_take(text.employee_id, sup),
        "work_email": text.email.slice(0, n),
        "home_address": text.home.slice(0, n),
        "city": text.city.slice(0, n),
        "state": text.state.slice(0, n),
        "zip": text.zip.slice(0, n),
    }
    assert tuple(data) == ROSTER.column_names
    return pa.table(data)
