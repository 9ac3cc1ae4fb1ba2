"""Reading findings.csv for publication (Hypothesis): the counts and dollars per rule and
severity are exactly what the file holds, info findings left out, dollars exact; a cell
that is not dollars or not a severity is named by row and column."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.contract.csvout import write_rows
from headcount.contract.findings import FINDING_COLUMNS
from headcount.publish.results import PublishError, read_findings

RULES = ("PAID_AFTER_DEATH", "INVALID_SSN", "PAY_ABOVE_CAP", "X_PLUGIN_RULE")
SEVERITIES = ("high", "medium", "low", "info")
finding = st.tuples(
    st.sampled_from(RULES),
    st.sampled_from(SEVERITIES),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    # Free text that must not disturb the reader (and is never read).
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30),
)


def _write(folder: Path, rows: list[tuple[str, str, Decimal, str]]) -> None:
    buffer = io.StringIO()
    write_rows(
        buffer, FINDING_COLUMNS,
        ([f"HC-{i}", rule, sev, "E1", "", amount, text, "{}"] for i, (rule, sev, amount, text)
         in enumerate(rows)),
    )  # fmt: skip
    (folder / "findings.csv").write_text(buffer.getvalue(), encoding="utf-8")


@settings(max_examples=80)
@given(st.lists(finding, max_size=40))
def test_counts_and_dollars_are_the_files(tmp_path_factory, rows) -> None:
    folder = tmp_path_factory.mktemp("r")
    _write(folder, rows)
    figures = read_findings(folder, {"rules": {"ran": ["DATA_QUALITY", "INVALID_SSN"]}})
    kept = [r for r in rows if r[1] != "info"]
    assert figures.findings == Counter((r, s) for r, s, _, _ in kept)
    assert figures.with_dollars == Counter((r, s) for r, s, a, _ in kept if a > 0)
    for key in figures.dollars:
        assert figures.dollars[key] == sum(a for r, s, a, _ in kept if (r, s) == key)
    assert set(figures.rules) == {"INVALID_SSN"} | {r for r, _, _, _ in kept}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("PAID_AFTER_DEATH", "high", "1,0.5"), "row 2, column amount_at_risk"),
        (("PAID_AFTER_DEATH", "high", "NaN"), "row 2, column amount_at_risk"),
        (("PAID_AFTER_DEATH", "high", "-Infinity"), "row 2, column amount_at_risk"),
        (("PAID_AFTER_DEATH", "high", "-3.00"), "row 2, column amount_at_risk"),
        (("PAID_AFTER_DEATH", "severe", "10.00"), "row 2, column severity"),
        (("(all)", "high", "10.00"), "row 2, column rule"),
    ],
)
def test_bad_cells_are_named(tmp_path: Path, cells, message) -> None:
    rule, severity, amount = cells
    (tmp_path / "findings.csv").write_text(
        ",".join(FINDING_COLUMNS) + f'\nHC-1,{rule},{severity},E1,,"{amount}",s,{{}}\n',
        encoding="utf-8",
    )
    with pytest.raises(PublishError, match=message):
        read_findings(tmp_path, {})
