"""Word lists: Faker's en_US names, streets, cities and lorem words, plus nicknames.

Only Faker's *lists* are used; all randomness comes from numpy generators so that output is
fully determined by the seed and vectorised sampling stays possible.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pyarrow as pa
from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.lorem.en_US import Provider as LoremProvider
from faker.providers.person.en_US import Provider as PersonProvider

from headcount.synth.common import F64, I32


@dataclass(frozen=True)
class Names:
    first: tuple[str, ...]  # unified, sorted vocabulary of given names
    p_female: F64  # sampling weights over `first` for women
    p_male: F64
    last: tuple[str, ...]
    p_last: F64
    first_arr: pa.Array
    last_arr: pa.Array


def _weights(vocab: tuple[str, ...], table: dict[str, float]) -> F64:
    w = np.array([table.get(v, 0.0) for v in vocab], dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


@functools.cache
def names() -> Names:
    female: dict[str, float] = dict(PersonProvider.first_names_female)
    male: dict[str, float] = dict(PersonProvider.first_names_male)
    first = tuple(sorted(set(female) | set(male)))
    last_table: dict[str, float] = dict(PersonProvider.last_names)
    last = tuple(last_table)
    return Names(
        first=first,
        p_female=_weights(first, female),
        p_male=_weights(first, male),
        last=last,
        p_last=_weights(last, last_table),
        first_arr=pa.array(first),
        last_arr=pa.array(last),
    )


@functools.cache
def words() -> tuple[str, ...]:
    return tuple(w for w in LoremProvider.word_list if w.isalpha())


@functools.cache
def nickname_pairs() -> frozenset[tuple[str, str]]:
    """(name, nickname) pairs from the nicknames package, lower-case, both directions."""
    text = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    pairs: set[tuple[str, str]] = set()
    for row in csv.DictReader(text.splitlines()):
        a, b = row["name1"].strip().lower(), row["name2"].strip().lower()
        pairs.add((a, b))
        pairs.add((b, a))
    return frozenset(pairs)


@functools.cache
def _nickname_map() -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for a, b in nickname_pairs():
        out.setdefault(a, set()).add(b)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def nicknames_of(name: str) -> list[str]:
    return list(_nickname_map().get(name.strip().lower(), ()))


# States weighted towards the capital region, where federal staff cluster.
STATE_ZIPS: dict[str, tuple[int, int]] = {
    s: r for s, r in AddressProvider.states_postcode.items() if s in AddressProvider.states_abbr
}
STATE_WEIGHT = {"DC": 6.0, "MD": 8.0, "VA": 10.0, "CA": 4.0, "TX": 4.0, "FL": 3.0, "NY": 3.0}
# 2025 locality pay (share above base) by state, roughly: the rest of the US gets 17.06%.
LOCALITY = {
    "DC": 0.3394, "MD": 0.3394, "VA": 0.3394, "CA": 0.4334, "NY": 0.3716, "NJ": 0.3716,
    "MA": 0.3059, "WA": 0.2817, "IL": 0.2933, "CO": 0.3008, "TX": 0.2767, "HI": 0.2004,
    "AK": 0.3078, "GA": 0.2330, "PA": 0.2734, "MI": 0.2838, "AZ": 0.2195, "FL": 0.2114,
}  # fmt: skip


@dataclass(frozen=True)
class Places:
    states: tuple[str, ...]
    locality: F64  # by state index
    city_names: pa.Array
    city_state: I32  # state index of each city
    city_zip: I32  # a base zip for each city
    city_zip_hi: I32
    streets: pa.Array


def build_places(rng: np.random.Generator, n_cities: int, n_streets: int) -> Places:
    """Faker-style city and street names (loops run over the vocabulary, not over people)."""
    nm = names()
    states = tuple(STATE_ZIPS)
    w = np.array([STATE_WEIGHT.get(s, 1.0) for s in states])
    city_state = rng.choice(len(states), size=n_cities, p=w / w.sum()).astype(np.int32)
    prefixes, suffixes = AddressProvider.city_prefixes, AddressProvider.city_suffixes
    cities: list[str] = []
    seen: set[tuple[str, int]] = set()
    for i in range(n_cities):
        first = nm.first[rng.integers(len(nm.first))]
        last = nm.last[rng.integers(len(nm.last))]
        pre = prefixes[rng.integers(len(prefixes))]
        suf = suffixes[rng.integers(len(suffixes))]
        form = int(rng.integers(4))
        name = (f"{pre} {first}{suf}", f"{pre} {first}", f"{first}{suf}", f"{last}{suf}")[form]
        if (name, int(city_state[i])) in seen:
            name = f"{name} {('Heights', 'Springs', 'Falls', 'Park')[i % 4]}"
        seen.add((name, int(city_state[i])))
        cities.append(name)
    lo = np.array([STATE_ZIPS[s][0] for s in states], dtype=np.int64)[city_state]
    hi = np.array([STATE_ZIPS[s][1] for s in states], dtype=np.int64)[city_state]
    city_zip = lo + (rng.random(n_cities) * (hi - lo + 1)).astype(np.int64)
    street_suffixes = AddressProvider.street_suffixes
    streets: list[str] = []
    for _ in range(n_streets):
        pool = nm.first if rng.random() < 0.5 else nm.last
        streets.append(
            f"{pool[rng.integers(len(pool))]} {street_suffixes[rng.integers(len(street_suffixes))]}"
        )
    return Places(
        states=states,
        locality=np.array([LOCALITY.get(s, 0.1706) for s in states], dtype=np.float64),
        city_names=pa.array(cities),
        city_state=city_state,
        city_zip=city_zip.astype(np.int32),
        city_zip_hi=hi.astype(np.int32),
        streets=pa.array(streets),
    )
