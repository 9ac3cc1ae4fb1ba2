"""Schemathesis over the case, debt and outcome API routes, on a store with imported cases and a debt,
signed in as every role (Bearer token) and as nobody: no server error, and every answer as
the OpenAPI description documents it (status codes, content types, schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from casekit import SECRET, case_id, past_the_contest_period
from schemathesis import GenerationMode

from headcount.auth.roles import Role
from headcount.cases import determinations
from headcount.store import Store
from headcount.web import create_app
from schema_check import all_operations, check_operation
from staff import token_for

PREFIXES = ("/api/v1/cases", "/api/v1/debts", "/api/v1/outcomes", "/api/v1/letters")


@pytest.fixture
def database_url(tmp_path: Path) -> str:  # SQLite only: the backends are covered elsewhere
    return f"sqlite:///{tmp_path / 'hc.db'}"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_case_and_debt_routes_for_every_role(imported: Store, users, mode: Any) -> None:
    cid = case_id(imported, "PAID_AFTER_SEPARATION", "VA1")
    past_the_contest_period(imported, cid, users["ana"])
    with imported.begin() as s:  # a debt (id 1) for the debt routes to find
        determinations.determine(
            s, cid, users["ana"], outcome="improper_overpayment",
            cause="administrative_error_agency", overpayment="500", reason="paid after separation",
        )  # fmt: skip
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(imported, SECRET))
    operations = [op for op in all_operations(schema) if op.path.startswith(PREFIXES)]
    assert len(operations) == 27  # 22 case and debt routes, 4 of letters, 1 outcome report
    for who in [None, *Role]:
        for operation in operations:
            headers = {} if who is None else {"Authorization": f"Bearer {token_for(imported, who)}"}
            check_operation(operation, mode, headers, examples=3)
