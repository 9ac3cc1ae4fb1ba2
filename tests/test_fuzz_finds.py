"""What the hostile-dataset fuzz test (test_hostile_fuzz.py) found crashing verify, pinned."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from test_ingest_support import ROSTER_DEFAULT, make_dataset, refused


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"\xef\xbb\xbf" + b,  # a BOM before the magic bytes: the footer still reads
        lambda b: b[:4] + b"\x07" * 6 + b[4:],  # bytes spliced into the first page
    ],
)
def test_a_parquet_file_damaged_before_its_footer_is_refused(tmp_path: Path, damage) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "roster.csv").unlink()
    columns = {c: [v] * 5 for c, v in ROSTER_DEFAULT.items()}
    columns["employee_id"] = [f"E{i}" for i in range(5)]
    pq.write_table(pa.table(columns), folder / "roster.parquet")
    path = folder / "roster.parquet"
    path.write_bytes(damage(path.read_bytes()))
    err = refused(folder)
    assert err.file == "roster.parquet"
    assert "is not a readable Parquet file" in err.problem


def test_a_payment_with_neither_employee_id_nor_payee_name(agency, run_verify) -> None:
    agency.employee("E1")
    agency.pay_periods("E1", range(0, 2))
    agency.pay("", 3, payee_name="", payment_id="P999")
    found = run_verify(agency).of("PAYEE_NOT_IN_ROSTER")
    assert [f["payment_ids"] for f in found] == ["P999"]
    assert "a payment with no employee id (payee name: no name)" in found[0]["summary"]
