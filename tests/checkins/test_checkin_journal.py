"""The sender's journal: marked-but-never-begun deliveries are told apart from begun ones,
per attempt; a line cut short counts as absent; the file is cut to what is in doubt."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from headcount.checkins.journal import ENV_DIR, Journal

CREATED = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Journal:
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "outbox"))
    j = Journal("sqlite:///x.db", "wk8", CREATED, "invitation")
    j.open()
    return j


def test_untried_is_marked_minus_begun_for_the_same_attempt(journal: Journal) -> None:
    journal.marking([(1, 0), (2, 0), (3, 0), (4, 2)])
    journal.trying(1, 0)
    journal.trying(4, 1)  # an earlier attempt of 4 was begun, not this one
    journal.close()
    assert journal.untried() == {(2, 0), (3, 0), (4, 2)}


def test_a_line_cut_short_is_read_as_absent(journal: Journal) -> None:
    journal.marking([(7, 0), (8, 0)])
    journal.close()
    with journal.path.open("a", encoding="ascii") as fh:
        fh.write("T 8:")  # a power cut mid-line: 8 counts as never begun only by its M line
    assert journal.untried() == {(7, 0), (8, 0)}


def test_keep_only_leaves_the_deliveries_in_doubt(journal: Journal) -> None:
    journal.marking([(1, 0), (2, 0)])
    journal.trying(1, 0)
    journal.close()
    journal.keep_only([(1, 0)])
    assert journal.path.read_text() == "T 1:0\n" and journal.untried() == set()
    assert journal.path.stat().st_mode & 0o777 == 0o600


def test_each_store_campaign_and_kind_has_its_own_file(journal: Journal) -> None:
    others = [
        Journal("sqlite:///y.db", "wk8", CREATED, "invitation"),
        Journal("sqlite:///x.db", "wk9", CREATED, "invitation"),
        Journal("sqlite:///x.db", "wk8", CREATED.replace(day=2), "invitation"),
        Journal("sqlite:///x.db", "wk8", CREATED, "reminder"),
    ]
    assert len({journal.path, *(o.path for o in others)}) == 5
    assert Journal("sqlite:///x.db", "wk8", CREATED, "invitation").path == journal.path
