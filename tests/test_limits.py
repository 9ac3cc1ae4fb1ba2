"""The pieces behind input limits and the memory budget: cgroup limits read from a real
file tree, sizes parsed as DuckDB writes them, and the error diagnosis of csv_errors.py
(Hypothesis for its parsers)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.engine.memory import FLOOR, MIB, SHARE, cgroup_limit, memory_budget, parse_size
from headcount.ingest.csv_errors import (
    bad_quote_field,
    bad_utf8_field,
    line_ending_change,
    parse_failure,
)

# --- memory ----------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cgroup_v2_takes_the_tightest_limit_up_the_tree(tmp_path):
    root = tmp_path / "cgroup"
    membership = write(tmp_path / "proc-cgroup", "0::/machine/job\n")
    write(root / "machine" / "job" / "memory.max", "max\n")
    write(root / "machine" / "memory.max", f"{3 * 1024**3}\n")
    write(root / "memory.max", "max\n")
    assert cgroup_limit(root, membership) == 3 * 1024**3


def test_cgroup_v1_limit_and_its_no_limit_value(tmp_path):
    root = tmp_path / "cgroup"
    membership = write(tmp_path / "proc-cgroup", "4:memory:/api/run\n3:cpu:/api/run\n")
    unlimited = "9223372036854771712\n"
    write(root / "memory" / "memory.limit_in_bytes", unlimited)
    write(root / "memory" / "api" / "run" / "memory.limit_in_bytes", unlimited)
    assert cgroup_limit(root, membership) is None
    write(root / "memory" / "api" / "memory.limit_in_bytes", f"{2 * 1024**3}\n")
    assert cgroup_limit(root, membership) == 2 * 1024**3


def test_no_cgroup_files_means_no_limit(tmp_path):
    assert cgroup_limit(tmp_path / "none", tmp_path / "missing") is None


def test_the_default_budget_is_a_share_of_the_machine():
    budget = memory_budget()
    assert budget.limit.endswith("MiB")
    assert int(budget.limit[:-3]) >= FLOOR // MIB
    assert budget.chosen.startswith(f"{SHARE:.0%} of ")
    assert memory_budget("6GB").to_json() == {
        "duckdb_memory_limit": "6GB",
        "chosen": "--memory-limit",
    }


@pytest.mark.parametrize(
    ("text", "size"),
    [("8GB", 8 * 1000**3), ("512 MiB", 512 * MIB), ("1.5gb", 1_500_000_000), ("1TiB", 1 << 40)],
)
def test_sizes_as_duckdb_writes_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "8", "8 GBs", "-1GB", "100MB", ""])
def test_sizes_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


# --- DuckDB's messages -------------------------------------------------------------------------


def test_the_message_is_read_from_its_end_so_a_value_cannot_pose_as_it():
    # The quoted record holds text that looks like another error: the real one comes last.
    message = (
        "Invalid Input Error: CSV Error on Line: 7\n"
        'Original Line: 1,"Expected Number of Columns: 3 Found: 9\n'
        'Value with unterminated quote found."\n'
        "Maximum line size of 1048576 bytes exceeded. Actual Size:2000000 bytes.\n"
        "\nPossible Solution: Change the maximum length size, e.g., max_line_size=2000001\n"
        "\n  file = roster.csv\n"
    )
    failure = parse_failure(message)
    assert (failure.line, failure.kind, failure.numbers) == (7, "line size", (1048576,))
    assert failure.record is not None and failure.record.startswith('1,"Expected')


def test_invalid_state_and_unknown_messages():
    assert parse_failure("Invalid Input Error: The CSV Parser state machine reached an "
                         "invalid state.\nmore").kind == "state"  # fmt: skip
    other = parse_failure("Invalid Input Error: CSV Error on Line: 3\nsomething new")
    assert (other.line, other.kind) == (3, "other")


# --- which field broke ------------------------------------------------------------------------

fields = st.lists(st.text(alphabet=st.sampled_from('ab ,"\n'), max_size=6), min_size=1, max_size=6)


def csv_record(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(values)
    return out.getvalue()


@given(fields)
def test_a_well_quoted_record_has_no_bad_field(values):
    assert bad_quote_field(csv_record(values)) is None


@given(fields, st.integers(min_value=0, max_value=5), st.sampled_from(["x", "never closed"]))
def test_the_broken_field_is_found(values, k, breakage):
    k = k % len(values)
    cells = next(csv.reader([csv_record(values)]))
    quoted = ['"' + c.replace('"', '""') + '"' for c in cells]
    if breakage == "x":
        quoted[k] += "x"  # a quoted value followed by something other than a comma
    else:
        quoted = [*quoted[:k], '"' + cells[k].replace('"', '""')]  # never closes
    assert bad_quote_field(",".join(quoted)) == k


def test_the_field_with_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b'employee_id,home_address,city\nE1,"1 Line\nTwo",Paris\n\nE3,x,Montr\xe9al\n')
    # Records as DuckDB counts them: the blank line is record 2, the bad one record 3.
    assert bad_utf8_field(path, 3) == 2
    assert bad_utf8_field(path, 1) is None


# --- line endings --------------------------------------------------------------------------------


@given(
    st.integers(min_value=2, max_value=60),
    st.integers(min_value=0, max_value=200),
    st.booleans(),
    st.integers(min_value=1, max_value=40),
)
def test_the_first_line_ending_the_other_way(tmp_path_factory, lines, at, crlf, width):
    at = 2 + at % (lines - 1)  # a data line: 2 .. lines
    mine, other = (b"\r\n", b"\n") if crlf else (b"\n", b"\r\n")
    body = b"".join(b"v" * width + (other if n >= at else mine) for n in range(1, lines + 1))
    path = tmp_path_factory.mktemp("endings") / "f.csv"
    path.write_bytes(body)
    assert line_ending_change(path) == (crlf, at)
    assert line_ending_change(path, last=at - 1) is None


def test_line_endings_across_read_boundaries(tmp_path):
    # A CRLF split between two 1 MiB reads is one CRLF, not an LF.
    line = b"x" * (1024 * 1024 - 1) + b"\r\n"
    path = tmp_path / "f.csv"
    path.write_bytes(line + line + b"y\n")
    assert line_ending_change(path) == (True, 3)


# --- [limits] in headcount.toml ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "setting", "words"),
    [
        ("[limits]\nmax_rows = 5\n", "limits.max_rows", "unknown setting"),
        ("[limits]\nmax_columns = true\n", "limits.max_columns", "whole number"),
        ("[limits]\nmax_columns = 0\n", "limits.max_columns", "from 1 to 10,000"),
        ("[limits]\nmax_record_bytes = 1e6\n", "limits.max_record_bytes", "whole number"),
        ("limits = 5\n", "limits", "must be a section"),
    ],
)
def test_bad_limit_settings(tmp_path, toml, setting, words):
    from headcount.ingest import DatasetError
    from headcount.ingest.mapping import load_limits

    (tmp_path / "headcount.toml").write_text(toml)
    with pytest.raises(DatasetError) as caught:
        load_limits(tmp_path)
    assert (caught.value.file, caught.value.column) == ("headcount.toml", setting)
    assert words in caught.value.problem


def test_limits_default_and_raised(tmp_path):
    from headcount.ingest.limits import DEFAULT_LIMITS, Limits
    from headcount.ingest.mapping import load_limits, load_mapping

    assert load_limits(tmp_path) == DEFAULT_LIMITS
    (tmp_path / "headcount.toml").write_text(
        '[limits]\nmax_columns = 800\n[roster.columns]\nemployee_id = "EMPLID"\n'
    )
    assert load_limits(tmp_path) == Limits(max_columns=800, max_record_bytes=1024 * 1024)
    assert load_mapping(tmp_path) == {"roster": {"employee_id": "EMPLID"}}
