"""Schemathesis against the OpenAPI description: generated requests, valid and invalid, to
every endpoint, anonymous and with a live session; no server errors, and every answer
matches the documented status codes, content types and schemas.

The checks are schemathesis' own `call_and_validate`, less `positive_data_acceptance`
(tests/schema_check.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode
from sqlalchemy import select

from checkins.conftest import SECRET
from headcount.checkins.models import Recipient
from headcount.checkins.sessions import open_session
from headcount.store import Store, utcnow
from headcount.web import create_app
from schema_check import all_operations, check_operation


def _session_token(store: Store) -> str:
    with store.begin() as s:
        va1 = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        return open_session(s, va1.id, utcnow() + timedelta(days=1))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms(store: Store, links: dict[str, str], mode: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store, SECRET))
    auth = {"Authorization": f"Bearer {_session_token(store)}"}
    operations = all_operations(schema)
    assert {op.label for op in operations} >= {
        "POST /api/v1/replies",
        "GET /api/v1/checkin",
        "PUT /api/v1/checkin",
        "GET /api/v1/campaigns/{campaign_id}/rates",
    }
    for operation in operations:
        for headers in ({}, auth):
            check_operation(operation, mode, headers)
