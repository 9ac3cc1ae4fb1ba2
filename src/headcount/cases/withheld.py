"""Addresses in a finding's evidence are withheld from the case store.

findings.csv names the normalised address (ADDRESS_CLUSTER's shared home, PO_BOX_ADDRESS's
box, EMPLOYEE_VENDOR_MATCH's vendor address), so a reviewer can confirm a finding without the
input files. A home address is a secret at rest: the case keeps the evidence with each such
value replaced by WITHHELD, and the value itself goes through headcount.pii (a keyed token
and a ciphertext) as each named person's `address`, shown like an SSN: masked, and revealed
only to a role that may, with a reason, in the audit.
"""

from __future__ import annotations

import json
from typing import Any

# Top-level evidence keys whose value is an address.
ADDRESS_KEYS = ("address_normalised", "home_address_normalised", "vendor_address_normalised")
WITHHELD = "withheld: an address, protected like an SSN (reveal it under the case's identifiers)"


def withhold_addresses(evidence: str) -> tuple[str, list[str]]:
    """(the evidence JSON with every address replaced by WITHHELD, the addresses)."""
    parsed: Any = json.loads(evidence)
    if not isinstance(parsed, dict):
        return evidence, []
    found = [
        parsed[k] for k in ADDRESS_KEYS if isinstance(parsed.get(k), str) and parsed[k].strip()
    ]
    if not found:
        return evidence, []
    for key in ADDRESS_KEYS:
        if isinstance(parsed.get(key), str) and parsed[key].strip():
            parsed[key] = WITHHELD
    return json.dumps(parsed, ensure_ascii=False), found


def withhold_from_summary(summary: str, addresses: list[str]) -> str:
    """The summary without the addresses (findings.csv from before they were left out of it)."""
    for address in addresses:
        summary = summary.replace(address, "address withheld")
    return summary
