"""`verify --state` and the scopes of the rules over activity, addresses, vendors, the
change log and pay spikes: an append that changes their findings, re-verified
incrementally, gives exactly a full run's results (fixtures from test_incremental.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

import test_incremental
from headcount.pipeline.findings import Finding, to_json
from headcount.pipeline.stateful.state import DATABASE, load_findings
from headcount.pipeline.verify import verify
from test_incremental import Split, _append, _records, _set_gross, assert_same_results

# The split agency and its state, as test_incremental builds them (fixtures by name).
split = test_incremental.split
copy = test_incremental.copy

FIVE = (
    "PAY_SPIKE",
    "BANK_CHANGE_AFTER_EXIT",
    "EMPLOYEE_VENDOR_MATCH",
    "PAID_WITHOUT_ACTIVITY",
    "ADDRESS_CLUSTER",
)
SCOPED = ("PAY_SPIKE", "BANK_CHANGE_AFTER_EXIT", "EMPLOYEE_VENDOR_MATCH")


def _stored(state: Path) -> dict[str, Finding]:
    """finding_id -> finding, of the five rules, as the state holds them."""
    con = duckdb.connect(str(state / DATABASE), read_only=True)
    try:
        return {f.finding_id: f for _, f in load_findings(con) if f.rule in FIVE}
    finally:
        con.close()


def _as_written(f: Finding | None) -> tuple[object, ...] | None:
    """What findings.csv says of a finding (a stored one's evidence is JSON already)."""
    if f is None:
        return None
    return (
        f.severity,
        f.employee_ids,
        f.payment_ids,
        f.amount_at_risk,
        f.summary,
        to_json(f.evidence),
    )


def _fresh(folder: Path, out: Path) -> Path:
    verify(folder, out)
    return out


def _regular(line: bytes) -> bool:
    return line.count(b",") == 17 and line.split(b",")[3] == b'"REGULAR"'


def test_an_appended_period_changes_the_five_rules_findings_as_a_full_run_does(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    before = _stored(state)
    _append(folder, split.tail)
    result = verify(folder, tmp_path / "out", state=state)
    block = result.summary["incremental"]
    assert block["mode"] == "incremental"
    # The period changes findings of four of the rules (the data must exercise them).
    after = {f.finding_id: f for f in result.findings if f.rule in FIVE}
    changed = Counter(
        f.rule for i, f in after.items() if _as_written(before.get(i)) != _as_written(f)
    )
    assert set(changed) >= {
        "ADDRESS_CLUSTER",
        "BANK_CHANGE_AFTER_EXIT",
        "EMPLOYEE_VENDOR_MATCH",
        "PAID_WITHOUT_ACTIVITY",
    }, changed
    assert set(Counter(f.rule for f in after.values())) == set(FIVE)
    for code in SCOPED:
        assert code in block["rules_reused"] or block["rules_rerun"][code].endswith("keys"), code
    # A new last period moves who is active; coverage is counted over the whole agency.
    assert block["rules_rerun"]["ADDRESS_CLUSTER"] == "all"
    assert block["rules_rerun"]["PAID_WITHOUT_ACTIVITY"] == "all"
    assert_same_results(tmp_path / "out", split.reference)


def test_a_pay_spike_in_the_new_period_is_found_incrementally(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    folder, state = copy()
    rows = _records(split.tail)
    start = next(i for i, line in enumerate(rows) if _regular(line))
    spiked = _set_gross(rows, start, lambda g: b"%.2f" % (float(g) * 5))
    employee = rows[spiked].split(b",")[4].strip(b'"').decode()
    _append(folder, b"\n".join(rows))
    result = verify(folder, tmp_path / "out", state=state)
    assert result.summary["incremental"]["mode"] == "incremental"
    assert result.summary["incremental"]["rules_rerun"]["PAY_SPIKE"].endswith("keys")
    assert any(f.rule == "PAY_SPIKE" and f.employee_ids == (employee,) for f in result.findings)
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))


def test_late_payments_for_an_earlier_period_are_verified_as_a_full_run_would(
    split: Split, copy: Callable[[], tuple[Path, Path]], tmp_path: Path
) -> None:
    """Small payments for the first period, appended late, pull down the median of every
    later payment of that employee: stored payments become spikes (PAY_SPIKE), though no
    new payment is one. The last period stays, so ADDRESS_CLUSTER's findings are kept."""
    folder, state = copy()
    lines = _records((folder / "payroll.csv").read_bytes())
    first = next(line for line in lines[1:] if _regular(line))
    employee = first.split(b",")[4].strip(b'"').decode()
    late = []
    for n in range(30):
        row = [b'"L%09d"' % n, *first.split(b",")[1:]]
        row[7] = b"1.00"
        late.append(b",".join(row))
    _append(folder, b"\n".join(late) + b"\n")
    result = verify(folder, tmp_path / "out", state=state)
    block = result.summary["incremental"]
    assert block["mode"] == "incremental"
    assert "ADDRESS_CLUSTER" in block["rules_reused"]
    assert block["rules_rerun"]["PAY_SPIKE"] == "1 keys"
    spikes = [f for f in result.findings if f.rule == "PAY_SPIKE" and f.employee_ids == (employee,)]
    assert any(not p.startswith("L") for f in spikes for p in f.payment_ids)
    assert_same_results(tmp_path / "out", _fresh(folder, tmp_path / "fresh"))
