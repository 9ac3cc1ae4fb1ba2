"""One address key for every rule that compares addresses (ADDRESS_CLUSTER, PO_BOX_ADDRESS,
EMPLOYEE_VENDOR_MATCH), as the data contract says addresses compare: upper case, spaces and
punctuation collapsed, street suffixes, directionals and unit words standardised (USPS
Publication 28 abbreviations), the unit number kept, ZIP on its first five digits.

Written as a token table rather than with a parser such as `usaddress`: a parser only tags
the parts of an address and would still need this table to standardise them, costs a
CRF evaluation per address (millions of roster rows), and guesses on the foreign and
unusual addresses real files hold, where a table simply leaves unknown words as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Street suffixes: every common spelling -> the USPS standard abbreviation.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ALY": ("ALLEY", "ALLY"),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV"),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CT": ("COURT", "CRT"),
    "CV": ("COVE",),
    "XING": ("CROSSING", "CRSSNG"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "EXPY": ("EXPRESSWAY", "EXPRESS", "EXPW", "EXPR"),
    "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"),
    "HTS": ("HEIGHTS", "HT"),
    "LN": ("LANE",),
    "LOOP": ("LOOPS",),
    "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY"),
    "PL": ("PLACE",),
    "PLZ": ("PLAZA", "PLZA"),
    "PT": ("POINT",),
    "RD": ("ROAD",),
    "RTE": ("ROUTE",),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"),
    "ST": ("STREET", "STRT", "STR"),
    "TER": ("TERRACE", "TERR"),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "WAY": ("WY",),
}
_DIRECTIONS: dict[str, tuple[str, ...]] = {
    "N": ("NORTH",),
    "S": ("SOUTH",),
    "E": ("EAST",),
    "W": ("WEST",),
    "NE": ("NORTHEAST",),
    "NW": ("NORTHWEST",),
    "SE": ("SOUTHEAST",),
    "SW": ("SOUTHWEST",),
}
UNIT = "APT"
# Words that introduce a unit number; all read as one, since a unit is a unit.
_UNIT_WORDS = frozenset({"APARTMENT", "APT", "UNIT", "#", "SUITE", "STE", "NO", "NUMBER"})

WORDS: dict[str, str] = {
    spelling: standard
    for table in (_SUFFIXES, _DIRECTIONS)
    for standard, spellings in table.items()
    for spelling in (standard, *spellings)
}
WORDS.update({w: UNIT for w in _UNIT_WORDS})

PO_BOX = "PO BOX"
# Post-office box spellings, as token runs after punctuation is dropped.
_PO_BOX_FORMS = (("POST", "OFFICE", "BOX"), ("P", "O", "BOX"), ("PO", "BOX"), ("POB",))

_DOTS = re.compile(r"[.']")  # dropped: P.O. -> PO, O'Neil -> ONEIL
_SEPARATORS = re.compile(r"[^0-9A-Z#]+")


def _tokens(line: str) -> list[str]:
    text = _DOTS.sub("", line.upper()).replace("#", " # ")
    return [t for t in _SEPARATORS.split(text) if t]


# The words a post-office box form can start with: only these need the forms tried.
_PO_BOX_STARTS = frozenset(f[0] for f in _PO_BOX_FORMS)


def _standard_line(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        form = (
            next((f for f in _PO_BOX_FORMS if tuple(tokens[i : i + len(f)]) == f), None)
            if tokens[i] in _PO_BOX_STARTS
            else None
        )
        if form is not None:
            out += PO_BOX.split()
            i += len(form)
            continue
        word = WORDS.get(tokens[i], tokens[i])
        # "Apt #4", "Unit No 4": one unit word, however many the writer used.
        if not (word == UNIT and out and out[-1] == UNIT):
            out.append(word)
        i += 1
    return out


def zip5(zip_code: str | None) -> str:
    """A ZIP compares on its first five characters (ZIP+4 and 9-digit forms alike)."""
    return (zip_code or "").strip()[:5]


@lru_cache(maxsize=65536)
def address_key(line: str | None, zip_code: str | None = None) -> str | None:
    """The comparable form of a street line and ZIP; None when there is no street line.

    '12 Elm Street, Apt. #4' and '12 ELM ST APT 4' with ZIP 22150-1234 and 22150 give
    the same key; apartments 4 and 5 of one building never do.
    """
    if line is None:
        return None
    words = _standard_line(_tokens(line))
    if not words:
        return None
    zip_part = zip5(zip_code)
    return " ".join(words) + (f" {zip_part}" if zip_part else "")


def is_po_box(line: str | None) -> bool:
    """A post-office box rather than a home: PO BOX, P.O. BOX, POST OFFICE BOX, POB."""
    if line is None:
        return False
    words = _standard_line(_tokens(line))
    return words[:2] == PO_BOX.split()
