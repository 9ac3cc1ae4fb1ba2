"""deaths: deaths.csv with partial dates, the SSA Death Master File, and both together."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from test_ingest_support import FIXTURES, load, make_dataset, quality, refused, rows

D = dt.date


def dmf_record(
    ssn: str = "900000001",
    last: str = "PUBLIC",
    first: str = "JOHN",
    middle: str = "",
    dod: str = "03152024",
    dob: str = "07041950",
    kind: str = " ",
) -> str:
    """One 100-character Death Master File record (synthetic)."""
    line = f"{kind:1}{ssn:9}{last:20}{'':4}{first:15}{middle:15}V{dod:8}{dob:8}"
    assert len(line) == 81
    return line.ljust(100)


def deaths_of(folder: Path) -> list[dict[str, Any]]:
    con, _ = load(folder)
    return rows(con, "SELECT * FROM deaths ORDER BY source, _row")


# --- the hand-written DMF fixture ----------------------------------------------------------


@pytest.fixture
def dmf_only(tmp_path: Path) -> Path:
    folder = make_dataset(tmp_path / "ds")
    shutil.copy(FIXTURES / "valid" / "deaths.dmf", folder / "deaths.dmf")
    return folder


def test_dmf_fixture(dmf_only: Path) -> None:
    con, ds = load(dmf_only)
    assert ds.files["deaths"] == "deaths.dmf"
    assert "deaths" not in ds.mapping  # fixed layout: nothing to map
    got = {
        r["_row"]: r
        for r in rows(con, "SELECT * FROM deaths WHERE source = 'deaths.dmf' ORDER BY _row")
    }
    # Line 4 is blank and line 6 a deletion record: neither is a death record.
    assert sorted(got) == [1, 2, 3, 5, 7, 8, 9, 10, 11]
    assert got[1] == {
        "ssn": "900000001",
        "last_name": "PUBLIC",
        "first_name": "JOHN",
        "middle_name": "Q",
        "date_of_death": D(2024, 3, 15),
        "date_of_birth": D(1950, 7, 4),
        "date_of_birth_lo": D(1950, 7, 4),
        "date_of_birth_hi": D(1950, 7, 4),
        "date_of_death_partial": False,
        "proof_code": "V",
        "source": "deaths.dmf",
        "_row": 1,
    }
    # Day unknown: the last day of the month; birth year only: the whole year.
    assert got[2]["date_of_death"] == D(2024, 3, 31)
    assert got[2]["date_of_death_partial"] is True
    assert got[2]["middle_name"] is None
    assert (got[2]["date_of_birth"], got[2]["date_of_birth_lo"], got[2]["date_of_birth_hi"]) == (
        None,
        D(1951, 1, 1),
        D(1951, 12, 31),
    )
    # Month unknown: the last day of the year; an all-zero birth date is missing.
    assert got[3]["date_of_death"] == D(2023, 12, 31)
    assert got[3]["date_of_death_partial"] is True
    assert got[3]["date_of_birth_lo"] is None and got[3]["date_of_birth_hi"] is None
    # A blank date of death is missing, not partial.
    assert got[5]["date_of_death"] is None and got[5]["date_of_death_partial"] is False
    assert got[5]["date_of_birth"] == D(1960, 1, 2)
    # Impossible and garbage dates are missing (and reported below).
    assert got[7]["date_of_death"] is None and got[7]["date_of_birth_lo"] is None
    assert got[8]["ssn"] is None and got[8]["last_name"] == "LETTERS"
    # A truncated line keeps the names it has; its dates are missing.
    assert (got[9]["ssn"], got[9]["last_name"], got[9]["first_name"]) == (
        "900000009",
        "TRUNCATED",
        "SHORT",
    )
    assert got[9]["date_of_death"] is None
    # Trailing blanks past column 100, a record of exactly 81 characters, CRLF endings.
    assert got[10]["date_of_death"] == D(2024, 2, 29)
    assert got[11]["date_of_death"] == D(2021, 11, 11)
    assert got[11]["date_of_birth"] == D(1961, 10, 10)

    assert [(r["row"], r["column"], r["problem"]) for r in quality(con)] == [
        (7, "date_of_death", "'13452024' is not a real calendar date"),
        (
            7,
            "date_of_birth",
            "is not a date in the form MMDDCCYY (00 for an unknown month or day)",
        ),
        (8, "ssn", "contains letters; an SSN is 9 digits"),
        (
            9,
            "(whole line)",
            "is only 39 characters long; a Death Master File record has 100 "
            "(fields past the end of the line count as missing)",
        ),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_dmf_line_endings(tmp_path: Path, newline: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    lines = [dmf_record(ssn=f"90000000{i}") for i in range(1, 4)]
    (folder / "deaths.dmf").write_bytes(newline.join(lines).encode() + newline.encode())
    got = deaths_of(folder)
    assert [r["ssn"] for r in got] == ["900000001", "900000002", "900000003"]
    assert [r["_row"] for r in got] == [1, 2, 3]


def test_dmf_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    lines = [dmf_record(), dmf_record(last="MU\xd1OZ"), dmf_record()]
    (folder / "deaths.dmf").write_bytes("\n".join(lines).encode("latin-1"))
    err = refused(folder)
    assert (err.file, err.row) == ("deaths.dmf", 2)
    assert "UTF-8" in err.problem


def test_dmf_binary_junk(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "deaths.dmf").write_bytes(bytes(range(256)) * 4)
    err = refused(folder)
    assert err.file == "deaths.dmf" and "binary" in err.problem


# --- deaths.csv ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "death", "partial"),
    [
        ("2024-06-15", D(2024, 6, 15), False),
        ("2025-03-00", D(2025, 3, 31), True),
        ("2024-02-00", D(2024, 2, 29), True),  # leap year
        ("2023-02-00", D(2023, 2, 28), True),
        ("2025-00-00", D(2025, 12, 31), True),
        ("2025-00-15", D(2025, 12, 31), True),  # month unknown: the day says nothing
        ("0000-00-00", None, False),
        ("", None, False),
        (" 2024-06-15 ", D(2024, 6, 15), False),
    ],
)
def test_partial_date_of_death_is_the_last_day_it_could_be(
    tmp_path: Path, text: str, death: dt.date | None, partial: bool
) -> None:
    folder = make_dataset(tmp_path / "ds", deaths=[{"date_of_death": text}])
    con, ds = load(folder)
    assert ds.data_quality == 0
    got = rows(con, "SELECT date_of_death, date_of_death_partial FROM deaths")
    assert got == [{"date_of_death": death, "date_of_death_partial": partial}]


@pytest.mark.parametrize(
    ("text", "exact", "lo", "hi"),
    [
        ("1950-02-03", D(1950, 2, 3), D(1950, 2, 3), D(1950, 2, 3)),
        ("1950-02-00", None, D(1950, 2, 1), D(1950, 2, 28)),
        ("1952-02-00", None, D(1952, 2, 1), D(1952, 2, 29)),
        ("1950-00-00", None, D(1950, 1, 1), D(1950, 12, 31)),
        ("0000-00-00", None, None, None),
        ("", None, None, None),
    ],
)
def test_partial_date_of_birth_gives_a_range(
    tmp_path: Path, text: str, exact: dt.date | None, lo: dt.date | None, hi: dt.date | None
) -> None:
    folder = make_dataset(tmp_path / "ds", deaths=[{"date_of_birth": text}])
    con, _ = load(folder)
    got = rows(con, "SELECT date_of_birth, date_of_birth_lo, date_of_birth_hi FROM deaths")
    assert got == [{"date_of_birth": exact, "date_of_birth_lo": lo, "date_of_birth_hi": hi}]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-13-00", "'2025-13-00' is not a real calendar date"),
        ("2025-02-30", "'2025-02-30' is not a real calendar date"),
        ("0000-05-00", "'0000-05-00' has no year (0000); a date needs at least a year"),
        (
            "March 2025",
            "'March 2025' is not a date in the form YYYY-MM-DD (00 for an unknown month or day)",
        ),
    ],
)
def test_bad_death_dates(tmp_path: Path, text: str, problem: str) -> None:
    folder = make_dataset(tmp_path / "ds", deaths=[{}, {"date_of_death": text}])
    con, ds = load(folder)
    assert ds.rows["deaths"] == 2
    assert quality(con) == [
        {
            "file": "deaths.csv",
            "row": 2,
            "column": "date_of_death",
            "problem": problem,
            "employee_id": None,
            "payment_id": None,
        }
    ]
    got = rows(con, "SELECT date_of_death FROM deaths WHERE _row = 2")
    assert got == [{"date_of_death": None}]


def test_bad_birth_date_is_not_echoed(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds", deaths=[{"date_of_birth": "1950-14-00"}])
    con, _ = load(folder)
    dq = quality(con)
    assert [(r["column"], r["problem"]) for r in dq] == [
        ("date_of_birth", "is not a real calendar date")
    ]


def test_partial_dates_only_in_deaths(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds", roster=[{"hire_date": "2020-05-00"}])
    con, _ = load(folder)
    assert [r["problem"] for r in quality(con)] == ["'2020-05-00' is not a real calendar date"]


def test_deaths_csv_and_dmf_load_into_one_table(tmp_path: Path) -> None:
    folder = make_dataset(
        tmp_path / "ds",
        deaths=[{"ssn": "900-00-0007", "date_of_death": "2024-01-00", "last_name": "Csv"}],
    )
    (folder / "deaths.dmf").write_text(dmf_record(ssn="900000008", last="DMF") + "\n")
    con, ds = load(folder)
    assert ds.files["deaths"] == "deaths.csv+deaths.dmf"
    assert ds.rows["deaths"] == 2
    got = rows(con, "SELECT ssn, last_name, date_of_death, source, _row FROM deaths")
    assert got == [
        {
            "ssn": "900000007",
            "last_name": "Csv",
            "date_of_death": D(2024, 1, 31),
            "source": "deaths.csv",
            "_row": 1,
        },
        {
            "ssn": "900000008",
            "last_name": "DMF",
            "date_of_death": D(2024, 3, 15),
            "source": "deaths.dmf",
            "_row": 1,
        },
    ]


def test_deaths_csv_with_a_missing_column(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds", deaths=[{}])
    text = (folder / "deaths.csv").read_text().replace("date_of_birth", "dob")
    (folder / "deaths.csv").write_text(text)
    err = refused(folder)
    assert (err.file, err.column) == ("deaths.csv", "date_of_birth")


def test_deaths_parquet_with_dmf(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = make_dataset(tmp_path / "ds")
    pq.write_table(
        pa.table(
            {
                "ssn": ["900000007"],
                "last_name": ["PQ"],
                "first_name": ["A"],
                "middle_name": [None],
                "date_of_death": ["2024-05-00"],
                "date_of_birth": pa.array([dt.date(1950, 1, 2)]),
            }
        ),
        folder / "deaths.parquet",
    )
    (folder / "deaths.dmf").write_text(dmf_record() + "\n")
    con, ds = load(folder)
    assert ds.files["deaths"] == "deaths.parquet+deaths.dmf"
    got = rows(con, "SELECT date_of_death, date_of_birth, source FROM deaths ORDER BY source")
    assert got == [
        {"date_of_death": D(2024, 3, 15), "date_of_birth": D(1950, 7, 4), "source": "deaths.dmf"},
        {
            "date_of_death": D(2024, 5, 31),
            "date_of_birth": D(1950, 1, 2),
            "source": "deaths.parquet",
        },
    ]


def test_strict_mode_stops_at_a_short_dmf_line(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "deaths.dmf").write_text(dmf_record() + "\n" + dmf_record()[:70] + "\n")
    err = refused(folder, strict=True)
    assert (err.file, err.row, err.column) == ("deaths.dmf", 2, "(whole line)")
    assert "70 characters long" in err.problem
