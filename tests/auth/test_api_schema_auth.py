"""Schemathesis over the whole API with authentication: every operation, generated valid and
invalid requests, signed in as each role (Bearer token) and as nobody; no server error and
every answer as documented (status codes, content types, schemas)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode

from auth.conftest import SECRET
from headcount.auth.roles import Role
from headcount.store import Store
from headcount.web import create_app
from schema_check import all_operations, check_operation
from staff import token_for


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_whole_api_signed_in_as_each_role(store: Store, links: dict[str, str], mode: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store, SECRET))
    operations = all_operations(schema)
    assert {"POST /api/v1/session", "DELETE /api/v1/session"} <= {op.label for op in operations}
    for who in [None, *Role]:
        for operation in operations:
            # A fresh token per operation: DELETE /api/v1/session ends the one it is sent.
            headers = {} if who is None else {"Authorization": f"Bearer {token_for(store, who)}"}
            check_operation(operation, mode, headers, examples=15)
