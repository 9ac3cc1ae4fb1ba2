"""The sensitive-data guard: spots an SSN, a bank or card number, or a classification
marking in free text. A check-in reply holding one is refused with an explanation of what
to remove; the audit log and case statements use the same scan to keep such data out.

Hits say *what kind* of thing was found and in which bullet, never the matched text, so
that the refusal itself (page, API answer, log line) carries none of it. Checksums keep
false alarms down: a card number must pass Luhn, a bare 9-digit routing number the ABA check,
and an undelimited 9-digit number counts as an SSN only if SSA could have issued it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from headcount.i18n import N_, translations
from headcount.matching.ssn import is_issuable

# Digits that are part of a longer number are not matched on their own.
_EDGE_L, _EDGE_R = r"(?<![\w-])", r"(?![\w-])"
SSN_DELIMITED = re.compile(_EDGE_L + r"\d{3}([- ])\d{2}\1\d{4}" + _EDGE_R)
NINE_DIGITS = re.compile(_EDGE_L + r"\d{9}" + _EDGE_R)
CARD = re.compile(_EDGE_L + r"\d(?:[ -]?\d){12,18}" + _EDGE_R)
ACCOUNT = re.compile(
    r"\b(?:account|acct|a/c)\b[\s:#.]*(?:number|num|no|is)?[\s:#.]*(?:is)?[\s:#.]*"
    r"(\d[\d -]{3,20}\d)",
    re.IGNORECASE,
)
SSN_WORDS = re.compile(r"\b(?:ssn|ss#|social\s+security)\b", re.IGNORECASE)
# Banner lines (TOP SECRET//SI//NOFORN, SECRET//REL TO USA, FVEY, CUI//SP-PRVCY) and control
# markings are upper case by rule; ordinary words ("the secret to...", "CUI training") are
# not markings and pass.
BANNER = re.compile(
    r"(?<![A-Za-z])(?:TOP\s+SECRET|SECRET|CONFIDENTIAL|UNCLASSIFIED|CUI|TS|S|C|U)"
    r"\s*//\s*[A-Z]"
)
BANNER_LINE = re.compile(
    r"^\s*(?:TOP\s+SECRET|SECRET|CONFIDENTIAL|CUI|CONTROLLED\s+UNCLASSIFIED\s+INFORMATION)\s*$",
    re.MULTILINE,
)
CONTROLS = re.compile(r"(?<![A-Za-z])(?:NOFORN|ORCON|IMCON|PROPIN|RELIDO|FVEY|TS/SCI)(?![A-Za-z])")
PORTION = re.compile(
    r"(?:^|(?<=\s))\((?:TS|S|C|U|CUI|FOUO|TS/SCI)(?://[A-Z0-9 ,/-]+)?\)", re.MULTILINE
)

KINDS = {
    "ssn": N_("a Social Security number"),
    "routing": N_("a bank routing number"),
    "account": N_("a bank account number"),
    "card": N_("a payment card number"),
    "marking": N_("a classification or control marking (such as SECRET//NOFORN, (TS) or CUI)"),
}
ADVICE = N_(
    "Remove it and send your reply again. Replies must not contain Social Security numbers, "
    "bank or card numbers, or classified or controlled information: none of this reply was "
    "kept."
)
# Translators: {bullet} is the number of the box; {what} one of the kinds above.
FOUND = N_("Bullet {bullet} appears to contain {what}.")


@dataclass(frozen=True)
class SensitiveHit:
    kind: str  # a key of KINDS
    bullet: int  # 1-based bullet (or line) where it was found

    @property
    def explanation(self) -> str:
        return self.explanation_in(None)

    def explanation_in(self, lang: str | None) -> str:
        """The explanation in a language headcount.i18n offers (None: English)."""
        _ = translations(lang).gettext
        return _(FOUND).format(bullet=self.bullet, what=_(KINDS[self.kind]))


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_ok(digits: str) -> bool:
    """ABA routing number: valid Federal Reserve prefix and the 3-7-1 checksum."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    prefix = int(digits[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    d = [int(c) for c in digits]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def scan_text(text: str) -> set[str]:
    """The kinds of sensitive data in one piece of text."""
    kinds: set[str] = set()
    if SSN_DELIMITED.search(text):
        kinds.add("ssn")
    for match in NINE_DIGITS.finditer(text):
        digits = match.group()
        if aba_ok(digits):
            kinds.add("routing")
        elif is_issuable(digits) or SSN_WORDS.search(text):
            kinds.add("ssn")
    for match in CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            kinds.add("card")
    if ACCOUNT.search(text):
        kinds.add("account")
    if any(p.search(text) for p in (BANNER, BANNER_LINE, CONTROLS, PORTION)):
        kinds.add("marking")
    return kinds


def check(bullets: list[str]) -> list[SensitiveHit]:
    """Every kind of sensitive data in every bullet, in order."""
    return [
        SensitiveHit(kind, i)
        for i, bullet in enumerate(bullets, start=1)
        for kind in sorted(scan_text(bullet))
    ]
