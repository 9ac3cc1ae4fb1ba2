"""Schemathesis against the OpenAPI description: generated requests, valid and invalid, to
every endpoint, anonymous and with a live session; no server errors, and every answer
matches the documented status codes, content types and schemas.

Driven through Hypothesis directly (schemathesis' pytest plugin does not run on this
pytest); the checks are schemathesis' own `call_and_validate`, less
`positive_data_acceptance` (see below).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from sqlalchemy import select

from conftest import SECRET
from headcount.checkins.sessions import open_session
from headcount.store import Recipient, Store, utcnow
from headcount.web import create_app

FAST = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def _session_token(store: Store) -> str:
    with store.begin() as s:
        va1 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        return open_session(s, va1.id, utcnow() + timedelta(days=1))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms(store: Store, links: dict[str, str], mode: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store, SECRET))
    auth = {"Authorization": f"Bearer {_session_token(store)}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /api/v1/replies",
        "GET /api/v1/checkin",
        "PUT /api/v1/checkin",
        "GET /api/v1/campaigns/{campaign_id}/rates",
    }
    for operation in operations:
        for headers in ({}, auth):
            _check(operation, mode, headers)


def _check(operation: Any, mode: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @FAST
    def check(case: Any) -> None:
        # Schema-valid bodies may still be refused on meaning (a forged link, a reply the
        # guard refuses, two bullets): those documented 4xx answers are correct here.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    try:
        check()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid form to generate.
        assert mode == GenerationMode.NEGATIVE
