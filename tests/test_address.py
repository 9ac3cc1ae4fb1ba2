"""The shared address key (matching/address.py): spellings of one address agree, different
units and different addresses never do, post-office boxes are recognised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.matching.address import WORDS, address_key, is_po_box, zip5

# Each standard word with every spelling the table knows for it.
SPELLINGS: dict[str, list[str]] = {}
for spelling, standard in WORDS.items():
    SPELLINGS.setdefault(standard, []).append(spelling)
SUFFIXES = sorted(
    s for s in SPELLINGS if s not in ("N", "S", "E", "W", "NE", "NW", "SE", "SW", "APT")
)
DIRECTIONS = ["N", "S", "E", "W", "NE", "NW", "SE", "SW"]

names = st.text(alphabet="ABCDEFGHIJKLMNOPRTUVY", min_size=3, max_size=9).filter(
    lambda w: w not in WORDS and w not in ("PO", "POB", "POST", "BOX", "OFFICE", "P", "O")
)
units = st.one_of(
    st.integers(1, 9999).map(str),
    st.tuples(st.integers(1, 99), st.sampled_from("ABCD")).map(lambda t: f"{t[0]}{t[1]}"),
)


@st.composite
def addresses(draw: st.DrawFn) -> dict[str, str | None]:
    return {
        "number": str(draw(st.integers(1, 99999))),
        "direction": draw(st.none() | st.sampled_from(DIRECTIONS)),
        "name": draw(names),
        "suffix": draw(st.sampled_from(SUFFIXES)),
        "unit": draw(st.none() | units),
        "zip": f"{draw(st.integers(501, 99950)):05d}",
    }


def _case(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.lower(), word.title()]))


@st.composite
def written(draw: st.DrawFn, a: dict[str, str | None]) -> tuple[str, str]:
    """One way of writing address `a`: any known spelling of each standard word, any case,
    dots after abbreviations, extra spaces and commas, a ZIP+4 or not."""
    parts = [str(a["number"])]
    if a["direction"]:
        parts.append(_case(draw, draw(st.sampled_from(SPELLINGS[a["direction"]]))))
    parts.append(_case(draw, str(a["name"])))
    suffix = draw(st.sampled_from(SPELLINGS[str(a["suffix"])]))
    parts.append(_case(draw, suffix) + draw(st.sampled_from(["", "."])))
    line = draw(st.sampled_from([" ", "  "])).join(parts)
    if a["unit"]:
        unit_word = draw(st.sampled_from(["Apt", "Apt.", "APARTMENT", "Unit", "#", "Apt #", "Ste"]))
        sep = draw(st.sampled_from([" ", ", "]))
        line += f"{sep}{unit_word}{'' if unit_word.endswith('#') else ' '}{a['unit']}"
    plus4 = draw(st.sampled_from(["", "-1234", "6789"]))
    return line, str(a["zip"]) + plus4


@given(st.data())
def test_equivalent_spellings_normalise_alike(data: st.DataObject) -> None:
    a = data.draw(addresses())
    line1, zip1 = data.draw(written(a))
    line2, zip2 = data.draw(written(a))
    assert address_key(line1, zip1) == address_key(line2, zip2), (line1, line2)


@given(st.data(), units, units)
def test_different_unit_numbers_never_normalise_alike(
    data: st.DataObject, unit1: str, unit2: str
) -> None:
    if unit1.upper() == unit2.upper():
        return
    a = data.draw(addresses())
    line1, zip1 = data.draw(written({**a, "unit": unit1}))
    line2, zip2 = data.draw(written({**a, "unit": unit2}))
    assert address_key(line1, zip1) != address_key(line2, zip2), (line1, line2)


@given(st.data())
def test_a_unit_and_no_unit_differ(data: st.DataObject) -> None:
    a = data.draw(addresses())
    with_unit = data.draw(written({**a, "unit": data.draw(units)}))
    without = data.draw(written({**a, "unit": None}))
    assert address_key(*with_unit) != address_key(*without)


@given(addresses(), addresses())
def test_different_addresses_differ(a: dict[str, str | None], b: dict[str, str | None]) -> None:
    same = {k: (str(v).upper() if v else v) for k, v in a.items()} == {
        k: (str(v).upper() if v else v) for k, v in b.items()
    }
    line_a = " ".join(str(a[k]) for k in ("number", "direction", "name", "suffix") if a[k])
    line_b = " ".join(str(b[k]) for k in ("number", "direction", "name", "suffix") if b[k])
    key_a = address_key(line_a + (f" Apt {a['unit']}" if a["unit"] else ""), a["zip"])
    key_b = address_key(line_b + (f" Apt {b['unit']}" if b["unit"] else ""), b["zip"])
    assert (key_a == key_b) == same


@pytest.mark.parametrize(
    ("line", "zip_code", "key"),
    [
        ("12 Elm Street, Apt. #4", "22150-1234", "12 ELM ST APT 4 22150"),
        ("12 ELM ST APT 4", "22150", "12 ELM ST APT 4 22150"),
        ("12 elm st. unit 4", "221501234", "12 ELM ST APT 4 22150"),
        ("400 North Capitol Avenue Suite 9", None, "400 N CAPITOL AVE APT 9"),
        ("P.O. Box 17", "22150", "PO BOX 17 22150"),
        ("   ", "22150", None),
        (None, "22150", None),
    ],
)
def test_examples(line: str | None, zip_code: str | None, key: str | None) -> None:
    assert address_key(line, zip_code) == key


@pytest.mark.parametrize(
    "line", ["PO Box 12", "P.O. Box 12", "p. o. box 12", "Post Office Box 12", "POB 12"]
)
def test_post_office_boxes(line: str) -> None:
    assert is_po_box(line)


@pytest.mark.parametrize(
    "line", ["1 Post Office Road", "12 Boxwood Lane", "9 Pobox Street", "Box 12", "", None]
)
def test_not_post_office_boxes(line: str | None) -> None:
    assert not is_po_box(line)


def test_zip_compares_on_five_characters() -> None:
    assert zip5("22150-1234") == zip5("221501234") == zip5(" 22150 ") == "22150"
    assert zip5(None) == ""
