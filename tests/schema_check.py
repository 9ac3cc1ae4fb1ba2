"""Schemathesis driven through Hypothesis directly (its pytest plugin does not run on this
pytest), shared by the check-in and the authenticated whole-API tests."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation, BaseSchema


def all_operations(schema: BaseSchema) -> list[APIOperation[Any, Any, Any, Any]]:
    """Every operation of the schema; one it cannot describe fails the test with its error."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def check_operation(
    operation: Any, mode: Any, headers: dict[str, str], *, examples: int = 30
) -> None:
    """Generated requests for one operation: no server error, every answer as documented."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        # Schema-valid bodies may still be refused on meaning (a forged link, a reply the
        # guard refuses, a role that may not): those documented 4xx answers are correct here.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    try:
        check()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid form to generate.
        assert mode == GenerationMode.NEGATIVE
