"""The named people's identifiers from the original dataset, for `cases import --data`.

Read with headcount.ingest (so a dataset that verify accepts is read the same way, mapping
and all); only the employee ids the findings name are kept, and their SSNs and accounts go
straight to headcount.pii. Nothing here is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from headcount.cases.results import ImportFileError
from headcount.ingest import DatasetError, load_dataset

PEOPLE_SQL = """
WITH r AS (
    SELECT employee_id, ssn, agency, work_email,
           trim(concat_ws(' ', first_name, middle_name, last_name)) AS name
    FROM roster WHERE employee_id IN (SELECT employee_id FROM wanted)
),
p AS (
    SELECT employee_id,
           list(DISTINCT ssn) FILTER (WHERE ssn IS NOT NULL) AS ssns,
           list(DISTINCT concat(coalesce(bank_routing, ''), ':', bank_account))
               FILTER (WHERE bank_account IS NOT NULL) AS accounts,
           min(payee_name) AS payee_name
    FROM payroll WHERE employee_id IN (SELECT employee_id FROM wanted)
    GROUP BY employee_id
)
SELECT w.employee_id, r.name, r.agency, r.ssn AS roster_ssn, p.ssns, p.accounts, p.payee_name,
       r.work_email
FROM wanted w LEFT JOIN r USING (employee_id) LEFT JOIN p USING (employee_id)
"""


@dataclass(frozen=True)
class PersonFacts:
    """What the dataset says about one person: never logged, stored only through pii/."""

    name: str
    agency: str | None
    ssns: tuple[str, ...]
    accounts: tuple[str, ...]  # ROUTING:ACCOUNT
    email: str | None = None  # the roster's work_email: where letters are emailed


def read_people(data: Path, employee_ids: set[str]) -> dict[str, PersonFacts]:
    if not Path(data).is_dir():
        raise ImportFileError(f"{data}: no such dataset folder")
    con = duckdb.connect()
    try:
        try:
            load_dataset(Path(data), con)
        except DatasetError as exc:
            raise ImportFileError(f"the dataset in {data} cannot be read: {exc}") from None
        con.register("wanted", pa.table({"employee_id": sorted(employee_ids)}))
        rows = con.execute(PEOPLE_SQL).fetchall()
    finally:
        con.close()
    out: dict[str, PersonFacts] = {}
    for employee_id, name, agency, roster_ssn, ssns, accounts, payee_name, email in rows:
        # The roster SSN is the person's; payment SSNs count only for someone not in it
        # (an IDENTITY_MISMATCH payment SSN may be another person's).
        person_ssns = [roster_ssn] if roster_ssn else list(ssns or ())
        out[employee_id] = PersonFacts(
            name=name or payee_name or "",
            agency=agency,
            ssns=tuple(sorted(set(person_ssns))),
            accounts=tuple(sorted(accounts or ())),
            email=(email or "").strip()[:320] or None,
        )
    return out
