"""What each agency policy means, in the plain words every message and page repeats.

The February 2025 request left agencies contradicting each other and implied that silence
meant resignation. Here the policy is stated in every email, on every page, and next to every
response rate, and the same sentence says that not replying has no consequence in this
system, whatever the policy.
"""

from __future__ import annotations

from headcount.contract.policy import Policy
from headcount.i18n import N_, translations

NO_CONSEQUENCE = N_(
    "Not replying has no consequence in this system: it is never treated as evidence that "
    "you do not exist, have left, or did anything wrong, and it is not reported about you "
    "by name."
)

_STATEMENTS = {
    Policy.MANDATORY: N_(
        "Your agency ({agency}) has asked all of its staff to reply to this request."
    ),
    Policy.VOLUNTARY: N_(
        "Replying is voluntary: your agency ({agency}) leaves it to you whether to reply."
    ),
    Policy.EXEMPT: N_(
        "Your agency ({agency}) has told its staff not to reply to this request, so nobody "
        "there is contacted."
    ),
}


def policy_statement(policy: Policy | str, agency: str, lang: str | None = None) -> str:
    """One or two sentences: what the agency asks, then that silence has no consequence."""
    _ = translations(lang).gettext
    return f"{_(_STATEMENTS[Policy(policy)]).format(agency=agency)} {_(NO_CONSEQUENCE)}"


def parse_policies(specs: list[str]) -> dict[str, Policy]:
    """`AGENCY=policy` pairs from the command line or a form, e.g. `VA=mandatory`."""
    out: dict[str, Policy] = {}
    for spec in specs:
        agency, sep, value = spec.partition("=")
        agency, value = agency.strip(), value.strip().lower()
        if not sep or not agency:
            raise ValueError(f"{spec!r}: write AGENCY=POLICY, e.g. VA=mandatory")
        try:
            out[agency] = Policy(value)
        except ValueError:
            allowed = ", ".join(p.value for p in Policy)
            raise ValueError(f"{spec!r}: policy must be one of {allowed}") from None
    return out
