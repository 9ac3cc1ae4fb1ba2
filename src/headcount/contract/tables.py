"""Input tables of the data contract and the typed shape each takes after ingest.

Every rule reads the typed tables described here, never the raw files, so the names and
types below are the one agreement between ingest and the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a raw text cell is parsed and validated."""

    TEXT = "text"  # kept as is (trimmed); empty is missing
    DATE = "date"  # YYYY-MM-DD
    TIMESTAMP = "timestamp"  # ISO 8601, or a bare date meaning midnight UTC
    MONEY = "money"  # non-negative dollars with up to two decimals -> DECIMAL(18,2)
    SSN = "ssn"  # digits with optional dashes/spaces -> digits only; letters are bad
    TIN = "tin"  # a vendor's taxpayer number (EIN or SSN): parsed as an SSN is
    PAYMENT_TYPE = "payment_type"  # one of PAYMENT_TYPES, upper-cased
    POLICY = "policy"  # one of POLICIES, lower-cased
    SOURCE = "source"  # one of CHECKIN_SOURCES, lower-cased
    ACTIVITY_KIND = "activity_kind"  # one of ACTIVITY_KINDS, lower-cased


# Columns whose raw values are personal data: never echoed into messages or evidence.
# A vendor's tin may be an SSN; a change's old and new values may be an account or address.
SECRET_COLUMNS = frozenset(
    {
        "ssn",
        "tin",
        "date_of_birth",
        "bank_account",
        "bank_routing",
        "home_address",
        "mailing_address",
        "address",
        "old_value",
        "new_value",
    }
)

PAYMENT_TYPES = ("REGULAR", "LUMP_SUM_LEAVE", "AWARD", "RETRO", "SEVERANCE", "OTHER")
POLICIES = ("mandatory", "voluntary", "exempt")
CHECKIN_SOURCES = ("web", "email")
ACTIVITY_KINDS = ("badge", "login", "timecard", "leave")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = True  # the column must be present in the file (values may still be empty)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool
    key: str | None = None  # a column whose values must be present and unique

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _cols(*specs: str | tuple[str, Kind] | Column) -> tuple[Column, ...]:
    out: list[Column] = []
    for s in specs:
        if isinstance(s, Column):
            out.append(s)
        elif isinstance(s, tuple):
            out.append(Column(s[0], s[1]))
        else:
            out.append(Column(s))
    return tuple(out)


ROSTER = Table(
    "roster",
    _cols(
        "employee_id",
        ("ssn", Kind.SSN),
        "first_name",
        "middle_name",
        "last_name",
        ("date_of_birth", Kind.DATE),
        ("hire_date", Kind.DATE),
        ("separation_date", Kind.DATE),
        "agency",
        "org_code",
        "pay_plan",
        "grade",
        "step",
        ("annual_salary", Kind.MONEY),
        "supervisor_id",
        "work_email",
        "home_address",
        "city",
        "state",
        "zip",
    ),
    required=True,
    key="employee_id",
)

PAYROLL = Table(
    "payroll",
    _cols(
        "payment_id",
        ("pay_period_end", Kind.DATE),
        ("pay_date", Kind.DATE),
        ("payment_type", Kind.PAYMENT_TYPE),
        "employee_id",
        ("ssn", Kind.SSN),
        "payee_name",
        ("gross_pay", Kind.MONEY),
        ("net_pay", Kind.MONEY),
        ("federal_tax", Kind.MONEY),
        ("retirement", Kind.MONEY),
        ("health_benefits", Kind.MONEY),
        "bank_routing",
        "bank_account",
        "mailing_address",
        "city",
        "state",
        "zip",
    ),
    required=True,
    key="payment_id",
)

# deaths.csv; deaths.dmf (SSA fixed width) is parsed into the same typed shape.
DEATHS = Table(
    "deaths",
    _cols(
        ("ssn", Kind.SSN),
        "last_name",
        "first_name",
        "middle_name",
        ("date_of_death", Kind.DATE),
        ("date_of_birth", Kind.DATE),
        # Which source reported the death (SSA, STATE, DOD, OBITUARY, ...: free text);
        # without the column every record is named after its file.
        Column("source", required=False),
    ),
    required=False,
)

CAMPAIGNS = Table(
    "campaigns",
    _cols(
        "campaign_id",
        ("sent_at", Kind.TIMESTAMP),
        ("deadline", Kind.TIMESTAMP),
        "agency",
        ("policy", Kind.POLICY),
    ),
    required=False,
)

CHECKINS = Table(
    "checkins",
    _cols(
        "campaign_id",
        "employee_id",
        "work_email",
        ("submitted_at", Kind.TIMESTAMP),
        "text",
        ("source", Kind.SOURCE),
    ),
    required=False,
)

ACTIVITY = Table(
    "activity",
    _cols("employee_id", ("date", Kind.DATE), ("kind", Kind.ACTIVITY_KIND)),
    required=False,
)

# The HR and payroll systems' change log: one row per change to an employee's master record.
HR_CHANGES = Table(
    "hr_changes",
    _cols(
        "change_id",
        "employee_id",
        "field",
        "old_value",
        "new_value",
        ("entered_at", Kind.TIMESTAMP),
        ("effective_date", Kind.DATE),
        "entered_by",
        "approved_by",
    ),
    required=False,
    key="change_id",
)
# hr_changes.field values the rules read; any other field name is kept, not judged.
PAY_ACTION_FIELDS = ("annual_salary", "grade", "step", "pay_plan")
CONTROLLED_FIELDS = (*PAY_ACTION_FIELDS, "separation_date")

# The agency's vendor master file; tin is an EIN or SSN (9 digits, dashes allowed).
VENDORS = Table(
    "vendors",
    _cols(
        "vendor_id",
        "name",
        ("tin", Kind.TIN),
        "address",
        "city",
        "state",
        "zip",
        "bank_routing",
        "bank_account",
    ),
    required=False,
    key="vendor_id",
)

TABLES: tuple[Table, ...] = (
    ROSTER,
    PAYROLL,
    DEATHS,
    CAMPAIGNS,
    CHECKINS,
    ACTIVITY,
    HR_CHANGES,
    VENDORS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
# Optional columns of our own beside a contract table, read by one domain and never by the
# rules (the contract's names are unchanged); headcount.toml may map them like the
# contract's. roster.preferred_language: the language check-ins write in (docs/checkins.md).
EXTENSION_COLUMNS: dict[str, tuple[str, ...]] = {"roster": ("preferred_language",)}

# Typed tables after ingest. Every typed table also has `_row` BIGINT: the 1-based data row in
# the source file (header excluded; a quoted newline does not start a new row).
#   TEXT -> VARCHAR (trimmed, '' -> NULL); DATE -> DATE; TIMESTAMP -> TIMESTAMP (UTC);
#   MONEY -> DECIMAL(18,2); SSN -> VARCHAR of digits (any length; NULL if it had letters);
#   enums -> VARCHAR, normalised case, NULL if not a known value.
# deaths additionally has:
#   date_of_death        DATE  the LAST day a partial date could be (day/month 00); NULL if unknown
#   date_of_birth_lo/_hi DATE  the first/last day a (possibly partial) birth date could be
#   date_of_birth        DATE  only when complete
#   date_of_death_partial BOOLEAN
#   source               VARCHAR  the record's `source` cell, else its file ('deaths.csv', ...)
#   proof_code           VARCHAR  the DMF verify/proof code (column 65); NULL in deaths.csv
# data_quality(file VARCHAR, "row" BIGINT, "column" VARCHAR, problem VARCHAR,
#              employee_id VARCHAR, payment_id VARCHAR)
