"""A campaign's policy for one agency (the contract's `campaigns.policy`)."""

from __future__ import annotations

from enum import StrEnum


class Policy(StrEnum):
    """Whether an agency asks its staff to reply. Not replying is never a finding, whatever
    the policy: it changes the wording staff are sent, nothing else."""

    MANDATORY = "mandatory"
    VOLUNTARY = "voluntary"
    EXEMPT = "exempt"
