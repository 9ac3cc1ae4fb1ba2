"""The addresses a finding names (ADDRESS_CLUSTER's shared home, PO_BOX_ADDRESS's box) are in
findings.csv, for a reviewer, but the case store keeps them only as protected values: the
stored evidence and summary say "withheld", every named person holds the address as a token
and a ciphertext, it is listed masked among the case's identifiers, and a reveal (with a
reason, audited) gives it back. No table of the store holds it in clear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import MetaData, Table, select

from builders import Agency
from headcount.auth.roles import Role
from headcount.cases.access import Actor
from headcount.cases.importer import import_results
from headcount.cases.models import Case
from headcount.cases.reveal import identifiers, reveal_identifier
from headcount.cases.withheld import ADDRESS_KEYS, WITHHELD, withhold_addresses
from headcount.pii import Keyring, PiiKind, PiiValue
from headcount.store import Store

CLUSTER = "12 ELM ST APT 4 22150"
BOX = "PO BOX 77 22150"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from headcount.pipeline.verify import verify

    root = tmp_path_factory.mktemp("addresses")
    a = Agency(root / "agency")
    for i, surname in enumerate(["Ames", "Bolt", "Cruz", "Dunn"]):
        a.employee(f"C{i}", last_name=surname, home_address="12 Elm Street Apt 4")
    a.employee("P1", home_address="P.O. Box 77")
    for e in [r["employee_id"] for r in a.rows["roster"]]:
        a.pay(e, 5)
    verify(a.write(), root / "results")
    return root / "results"  # beside root / "agency", the data it was made from


def test_findings_csv_names_the_address_for_a_reviewer(results: Path) -> None:
    text = (results / "findings.csv").read_text("utf-8")
    assert CLUSTER in text and BOX in text


@pytest.fixture
def imported(store: Store, results: Path, tmp_path: Path) -> tuple[Store, Keyring]:
    keyring = Keyring.load(tmp_path / "pii.keyring")
    # P1's agency comes from the roster (--data); the residents' from the evidence as well.
    import_results(
        store, results, actor="cli:test", keyring=keyring, data=results.parent / "agency"
    )
    return store, keyring


def test_the_store_holds_the_addresses_only_protected(imported: tuple[Store, Keyring]) -> None:
    store, _ = imported
    tables = _tables(store)
    with store.begin() as s:
        cases = {c.rule: c for c in s.scalars(select(Case))}
        assert {"ADDRESS_CLUSTER", "PO_BOX_ADDRESS"} <= set(cases)
        for case in cases.values():
            evidence = json.loads(case.evidence)
            for key in ADDRESS_KEYS:
                assert evidence.get(key) in (None, WITHHELD), (case.rule, key)
        assert "withheld" in cases["ADDRESS_CLUSTER"].evidence
        holders = s.scalars(select(PiiValue.subject).where(PiiValue.kind == PiiKind.ADDRESS))
        assert len(set(holders)) == 5  # four residents and the box holder
        # No column of any table holds an address in clear.
        for table in tables:
            for row in s.execute(select(table)):
                for value in row:
                    if isinstance(value, str):
                        assert "ELM ST" not in value.upper(), table.name
                        assert "PO BOX 77" not in value.upper(), table.name
                        assert "ELM STREET" not in value.upper(), table.name


def _tables(store: Store) -> list[Table]:
    meta = MetaData()
    meta.reflect(store.engine)
    return list(meta.tables.values())


def test_a_reveal_gives_the_address_back(imported: tuple[Store, Keyring]) -> None:
    store, keyring = imported
    analyst = Actor("ana", Role.ANALYST, None, "127.0.0.1")
    with store.begin() as s:
        case = s.scalars(select(Case).where(Case.rule == "PO_BOX_ADDRESS")).one()
        [address] = [i for i in identifiers(s, keyring, case, analyst) if i.kind.startswith("Addr")]
        assert address.masked == "withheld" and address.revealable
        person, label, value = reveal_identifier(
            s, keyring, case.id, address.value_id, analyst, "Checking where the box holder lives"
        )
    assert (person.employee_id, label, value) == ("P1", "Address in the evidence", BOX)


@given(st.dictionaries(st.sampled_from([*ADDRESS_KEYS, "why", "surnames"]), st.text(max_size=20)))
def test_withholding_leaves_nothing_but_the_marker(evidence: dict[str, str]) -> None:
    stored, found = withhold_addresses(json.dumps(evidence))
    parsed = json.loads(stored)
    assert set(parsed) == set(evidence)
    for key, value in evidence.items():
        if key in ADDRESS_KEYS and value.strip():
            assert parsed[key] == WITHHELD and value in found
        else:
            assert parsed[key] == value
