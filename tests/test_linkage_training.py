"""Training in proportion to the roster: exact u from value counts, a seeded sample sized to
the roster, and kept models that are reused until the roster moves."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any, TypedDict

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import Results
from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.linkage import estimate_u
from headcount.linkage.records import RECORDS_TABLE
from headcount.linkage.session import fit_to_file
from headcount.pipeline.verify import verify

pytestmark = pytest.mark.slow

SSNS = st.sampled_from(["123456789", "123456780", "123456798", "213456789", "987654321"])
DOBS = st.sampled_from(["1970-01-02", "1970-02-01", "1971-01-02", "1980-05-05", None])
NAMES = st.sampled_from(["ann", "bo", "cy", None])


def _records(rows: list[tuple[str | None, str | None, str | None]]) -> DuckDBEngine:
    engine = DuckDBEngine(duckdb.connect())
    engine.con.execute(
        f"""CREATE TABLE {RECORDS_TABLE} (unique_id VARCHAR, ssn VARCHAR, dob DATE,
        given_name VARCHAR, middle_name VARCHAR, surname VARCHAR, address_key VARCHAR,
        zip VARCHAR, city VARCHAR, email VARCHAR, supervisor_id VARCHAR)"""
    )
    engine.con.executemany(
        f"INSERT INTO {RECORDS_TABLE} VALUES (?, ?, ?, ?, NULL, ?, NULL, NULL, NULL, NULL, NULL)",
        [(str(i), ssn, dob, name, name) for i, (ssn, dob, name) in enumerate(rows)],
    )
    engine.con.execute(
        f"""CREATE OR REPLACE TABLE {RECORDS_TABLE} AS SELECT *,
        CAST(year(dob) AS INTEGER) AS dob_year, CAST(month(dob) AS INTEGER) AS dob_month,
        CAST(day(dob) AS INTEGER) AS dob_day FROM {RECORDS_TABLE}"""
    )
    return engine


def _near(a: str, b: str) -> bool:
    """One digit apart, or two neighbouring digits swapped."""
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    swapped = (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and (a[diff[1]] == b[diff[0]])
    )
    return len(a) == len(b) and (len(diff) == 1 or swapped)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(SSNS, DOBS, NAMES), min_size=2, max_size=12))
def test_exact_shares_are_a_count_of_every_pair(rows):
    """What the value counts give equals counting every pair by hand (half a pair where
    none agrees: rare, not impossible)."""
    engine = _records(rows)
    try:
        shares = estimate_u.exact_shares(engine)
    finally:
        engine.close()

    def share(present: list[int], agree) -> float | None:
        pairs = list(itertools.combinations(present, 2))
        if not pairs:
            return None
        return max(sum(1 for i, j in pairs if agree(i, j)), 0.5) / len(pairs)

    every = list(range(len(rows)))
    dated = [i for i in every if rows[i][1]]
    named = [i for i in every if rows[i][2]]
    ymd = {i: tuple(int(x) for x in rows[i][1].split("-")) for i in dated}
    expected = {
        ("ssn", "same"): share(every, lambda i, j: rows[i][0] == rows[j][0]),
        ("ssn", "one digit or transposition"): share(
            every, lambda i, j: _near(rows[i][0], rows[j][0])
        ),
        ("date_of_birth", "exact"): share(dated, lambda i, j: rows[i][1] == rows[j][1]),
        ("date_of_birth", "day and month transposed"): share(
            dated,
            lambda i, j: ymd[i][0] == ymd[j][0] and ymd[i][1] == ymd[j][2] != ymd[i][2]
            and ymd[i][2] == ymd[j][1],
        ),
        ("date_of_birth", "year off by one"): share(
            dated, lambda i, j: abs(ymd[i][0] - ymd[j][0]) == 1 and ymd[i][1:] == ymd[j][1:]
        ),
        ("given_name", "exact"): share(named, lambda i, j: rows[i][2] == rows[j][2]),
    }  # fmt: skip
    for level, value in expected.items():
        if value is None:
            assert level not in shares
        else:
            assert shares[level] == pytest.approx(value), level


@pytest.mark.parametrize("records", [2, 3, 10, 101, 1000, 4000])
def test_the_sample_holds_distinct_pairs_of_two_records(records):
    engine = DuckDBEngine(duckdb.connect())
    try:
        engine.create_table(
            RECORDS_TABLE, f"SELECT CAST(range AS VARCHAR) AS unique_id FROM range({records})"
        )
        wanted = estimate_u.sample_size(records)
        sql = estimate_u._pairs_sql(["unique_id"], records, wanted)
        pairs = engine.fetch_arrow(sql).to_pylist()
    finally:
        engine.close()
    unordered = {frozenset((p["unique_id_l"], p["unique_id_r"])) for p in pairs}
    assert all(len(p) == 2 for p in unordered)  # never a record with itself
    assert len(unordered) == len(pairs)  # never one pair twice
    assert len(pairs) >= min(wanted, records * (records - 1) // 2) * 0.9
    assert wanted <= estimate_u.U_MAX_PAIRS


class DuplicateFinding(TypedDict):
    ids: str
    evidence: dict[str, Any]


def _duplicate_person(out: Path) -> list[DuplicateFinding]:
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        return [
            {"ids": f["employee_ids"], "evidence": json.loads(f["evidence"])}
            for f in csv.DictReader(fh)
            if f["rule"] == "DUPLICATE_PERSON"
        ]


def _smaller_copy(source: Path, target: Path, keep: int) -> Path:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and path.name != "roster.csv":
            (target / path.name).write_bytes(path.read_bytes())
    lines = (source / "roster.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "roster.csv").write_text("".join(lines[: keep + 1]), encoding="utf-8")
    return target


def test_a_kept_model_is_reused_and_refitted_when_the_roster_moves(synth_dataset, tmp_path):
    data = synth_dataset.out_dir
    model = tmp_path / "model.json"
    fitted = fit_to_file(data, model)
    assert fitted.trained and json.loads(model.read_text())["headcount_records"] == 2000

    verify(data, tmp_path / "plain")
    verify(data, tmp_path / "kept", linkage_model=model)
    plain, kept = _duplicate_person(tmp_path / "plain"), _duplicate_person(tmp_path / "kept")
    assert [f["ids"] for f in kept] == [f["ids"] for f in plain] != []
    assert {f["evidence"]["model"]["source"] for f in kept} == {
        "a kept model fitted on 2,000 records"
    }
    assert model.read_text() == model.read_text()  # read only: never rewritten

    before = model.read_bytes()
    smaller = _smaller_copy(data, tmp_path / "smaller", keep=1200)
    verify(smaller, tmp_path / "moved", linkage_model=model)
    sources = {f["evidence"]["model"]["source"] for f in _duplicate_person(tmp_path / "moved")}
    assert sources == {
        "fitted on this roster (the kept model was refitted: the roster changed from 2,000 "
        "to 1,200 records)"
    }
    assert model.read_bytes() == before


def test_a_state_run_with_a_kept_model_is_what_a_full_run_with_it_gives(synth_dataset, tmp_path):
    data = _smaller_copy(synth_dataset.out_dir, tmp_path / "agency", keep=2000)
    model = tmp_path / "model.json"
    fit_to_file(data, model)
    state = tmp_path / "state"
    verify(data, tmp_path / "one", state=state, linkage_model=model)
    # The roster changes (one record fewer): a full run, which reuses the kept model.
    _smaller_copy(synth_dataset.out_dir, tmp_path / "fewer", keep=1999)
    (data / "roster.csv").write_bytes((tmp_path / "fewer" / "roster.csv").read_bytes())
    second = verify(data, tmp_path / "two", state=state, linkage_model=model)
    assert second.summary["incremental"]["mode"] == "full"
    assert {
        f.evidence["model"]["source"] for f in second.findings if f.rule == "DUPLICATE_PERSON"
    } == {"a kept model fitted on 2,000 records"}
    verify(data, tmp_path / "fresh", linkage_model=model)
    fresh, two = Results(tmp_path / "fresh"), Results(tmp_path / "two")
    assert (
        [f["evidence"] for f in two.of("DUPLICATE_PERSON")]
        == [f["evidence"] for f in fresh.of("DUPLICATE_PERSON")]
        != []
    )
    assert not (state / "linkage_model.json").exists()
