"""Calendar, caps and agency constants shared by every part of the generator.

Dates are handled as int32 day numbers since 1970-01-01 so that whole columns stay numpy
arrays; NO_DATE marks a missing date and is far enough in the future to compare safely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

I8 = NDArray[np.int8]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Bool = NDArray[np.bool_]
IntArray = NDArray[Any]

EPOCH = dt.date(1970, 1, 1)
NO_DATE = 9_999_999  # "no date" sentinel: later than any real date, safe from int32 overflow


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - EPOCH).days


def to_date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def iso(days: int) -> str:
    return to_date(days).isoformat()


# 26 biweekly periods; every period ends on a Saturday and is paid six days later.
N_PERIODS = 26
PERIOD_END0 = day(2025, 1, 11)
PERIOD_ENDS: I32 = (PERIOD_END0 + 14 * np.arange(N_PERIODS)).astype(np.int32)
PERIOD_STARTS: I32 = (PERIOD_ENDS - 13).astype(np.int32)
PAY_DATE_LAG = 6
YEAR_START = day(2025, 1, 1)
YEAR_END = day(2025, 12, 31)

# 2025 statutory caps (whole dollars) and their biweekly equivalents in cents.
GS_CAP = 195_200  # Executive Schedule level IV
ES_CAP = 225_700  # Executive Schedule level II
GS_CAP_PERIOD_CENTS = round(GS_CAP * 100 / 26)  # 7507.69
ES_CAP_PERIOD_CENTS = round(ES_CAP * 100 / 26)  # 8680.77

# The check-in campaign (one row per agency in campaigns.csv).
CAMPAIGN_ID = "C2025-02-22"
SENT_AT = "2025-02-22T16:45:00Z"
DEADLINE = "2025-02-24T23:59:00Z"
SENT_DAY = day(2025, 2, 22)
SENT_EPOCH_S = SENT_DAY * 86_400 + 16 * 3600 + 45 * 60
DEADLINE_EPOCH_S = day(2025, 2, 24) * 86_400 + 23 * 3600 + 59 * 60
# Background people reply only when clearly active: no separation within a few days of the
# campaign, so that no reasonable reading of "separated before sent" can flag them.
REPLY_SEP_MARGIN = day(2025, 2, 26)
REPLY_HIRE_LIMIT = day(2025, 2, 20)

PAYMENT_TYPES = ("REGULAR", "LUMP_SUM_LEAVE", "AWARD", "RETRO")
REGULAR, LUMP_SUM_LEAVE, AWARD, RETRO = 0, 1, 2, 3

RULES = (
    "PAID_AFTER_DEATH",
    "DEATH_RECORD_CONFLICT",
    "PAID_AFTER_SEPARATION",
    "PAYEE_NOT_IN_ROSTER",
    "DUPLICATE_SSN",
    "DUPLICATE_PERSON",
    "SHARED_BANK_ACCOUNT",
    "INVALID_SSN",
    "DUPLICATE_PAYMENT",
    "NO_WITHHOLDING",
    "IDENTITY_MISMATCH",
    "PAY_ABOVE_CAP",
    "CHECKIN_FROM_INACTIVE",
    "CHECKIN_TEMPLATE",
    "PAID_WITHOUT_ACTIVITY",
    "ACTIVITY_AFTER_SEPARATION",
    "ADDRESS_CLUSTER",
    "PO_BOX_ADDRESS",
    "EMPLOYEE_VENDOR_MATCH",
    "BANK_CHANGE_AFTER_EXIT",
    "SELF_APPROVED_CHANGE",
    "PAY_SPIKE",
)


@dataclass(frozen=True)
class Agency:
    code: str
    policy: str  # check-in policy for the campaign
    share: float  # share of the roster
    suborgs: tuple[str, ...]
    domain: str
    # Badge, login and timecard systems feed activity.csv for its whole staff every pay
    # period; elsewhere the feed holds only a few records a year.
    activity_feed: bool = False


AGENCIES: tuple[Agency, ...] = (
    Agency("VA", "mandatory", 0.40, ("VHA", "VBA", "NCA", "OIT"), "va.gov", activity_feed=True),
    Agency("DOI", "voluntary", 0.20, ("NPS", "BLM", "FWS", "USGS"), "ios.doi.gov"),
    Agency("GSA", "voluntary", 0.10, ("PBS", "FAS", "OGP"), "gsa.gov", activity_feed=True),
    Agency("DOD", "exempt", 0.30, ("ARMY", "NAVY", "USAF", "DLA"), "mail.mil"),
)
REPLY_RATE = {"mandatory": 0.60, "voluntary": 0.40, "exempt": 0.0}


def first_period(hire: IntArray) -> I32:
    """First period paid for a hire date: the first whose end is on or after it (26 = none)."""
    k = np.ceil((hire.astype(np.int64) - PERIOD_END0) / 14)
    return np.clip(k, 0, N_PERIODS).astype(np.int32)


def last_period(sep: IntArray) -> I32:
    """Last period paid for a separation date: the last that starts on or before it."""
    k = np.floor((sep.astype(np.int64) - PERIOD_END0 + 13) / 14)
    return np.clip(k, -1, N_PERIODS - 1).astype(np.int32)


def period_containing(date: int) -> int:
    return int((date - PERIOD_END0 + 13) // 14)
