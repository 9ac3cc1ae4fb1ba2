"""The roster as the linkage model reads it: one row per record, every field normalised once.

Splink compares columns pairwise (`given_name_l` against `given_name_r`); doing the
normalisation here, in one pass over the roster, keeps those comparisons short and the same
on every backend. Nothing is copied out of the engine: this is a table in the run's database.
"""

from __future__ import annotations

from headcount.engine.base import Engine
from headcount.engine.dialect import Dialect
from headcount.matching.names import NICKNAME_TABLE

RECORDS_TABLE = "linkage_records"


def _text(d: Dialect, column: str) -> str:
    """Lower case, runs of anything but letters and digits as one space; empty is missing."""
    return f"nullif({d.collapse_non_alnum(column)}, '')"


def _name(d: Dialect, column: str) -> str:
    """Letters and digits only: "De La Cruz", "DeLaCruz" and "O'Neil"/"ONeil" compare equal."""
    return f"nullif(replace({d.collapse_non_alnum(column)}, ' ', ''), '')"


def records_sql(d: Dialect) -> str:
    address = _text(d, "r.home_address")
    return f"""
    WITH base AS (
        SELECT r.employee_id AS unique_id,
               nullif(r.ssn, '') AS ssn,
               -- Halves of the SSN for blocking only: one mistyped digit leaves one whole.
               nullif(left(r.ssn, length(r.ssn) // 2), '') AS ssn_head,
               nullif(right(r.ssn, length(r.ssn) - length(r.ssn) // 2), '') AS ssn_tail,
               -- Thirds, for a cheap test before the edit distance in the comparison.
               substr(r.ssn, 1, 3) AS ssn_a, substr(r.ssn, 4, 3) AS ssn_b,
               substr(r.ssn, 7) AS ssn_c,
               {_name(d, "r.first_name")} AS given_name,
               {_name(d, "r.middle_name")} AS middle_name,
               {_name(d, "r.last_name")} AS surname,
               r.date_of_birth AS dob,
               strftime(r.date_of_birth, '%Y%m%d') AS dob_text,
               CAST(year(r.date_of_birth) AS INTEGER) AS dob_year,
               CAST(month(r.date_of_birth) AS INTEGER) AS dob_month,
               CAST(day(r.date_of_birth) AS INTEGER) AS dob_day,
               {address} AS address,
               nullif(regexp_extract({address}, '^([0-9]+[a-z]?) ', 1), '') AS house_number,
               nullif(replace(regexp_replace({address}, '^[0-9]+[a-z]? ', ''), ' ', ''), '')
                   AS street,
               nullif(left(regexp_replace(coalesce(r.zip, ''), '[^0-9]', '', 'g'), 5), '')
                   AS zip,
               replace({address}, ' ', '') AS address_key,
               -- The words of the address line, for lines keyed in another order.
               list_sort(list_distinct(string_split({address}, ' '))) AS address_words,
               {_text(d, "r.city")} AS city,
               nullif(lower(trim(r.work_email)), '') AS email,
               nullif(trim(r.supervisor_id), '') AS supervisor_id
        FROM roster r
    ),
    nicknames AS (
        -- Every name the curated list says is a nickname of this given name (or the
        -- reverse): the "nickname" level asks whether the other record's name is in it.
        SELECT b.unique_id, list(n.b) AS given_nicknames
        FROM base b JOIN {NICKNAME_TABLE} n ON n.a = b.given_name
        GROUP BY b.unique_id
    )
    SELECT b.*, coalesce(n.given_nicknames, CAST([] AS VARCHAR[])) AS given_nicknames
    FROM base b LEFT JOIN nicknames n USING (unique_id)
    """


def build_records(engine: Engine) -> None:
    engine.create_table(RECORDS_TABLE, records_sql(engine.dialect))
