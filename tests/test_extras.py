"""A command whose extra is not installed names the extra; `make minimal` runs the real
thing in a venv with the base install alone (tools/check_minimal.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from headcount.cli.common import EXTRA_OF_MODULE, missing_extra


@pytest.mark.parametrize(
    ("module", "extra"),
    [("sqlalchemy.orm", "web"), ("fastapi", "web"), ("psycopg", "postgres"),
     ("weasyprint", "letters"), ("pyspark.sql", "spark")],
)  # fmt: skip
def test_a_missing_extra_module_names_the_extra(module: str, extra: str) -> None:
    message = missing_extra(ModuleNotFoundError(f"No module named {module!r}", name=module))
    assert message is not None
    assert f"pip install 'headcount[{extra}]'" in message
    assert module in message


@pytest.mark.parametrize(
    "error",
    [ModuleNotFoundError("No module named 'numpy'", name="numpy"),
     ModuleNotFoundError("no name"), ImportError("cannot import name 'x'", name="sqlalchemy"),
     ValueError("sqlalchemy")],
)  # fmt: skip
def test_any_other_error_is_not_blamed_on_an_extra(error: BaseException) -> None:
    assert missing_extra(error) is None


def test_every_extra_in_the_map_is_declared() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert set(EXTRA_OF_MODULE.values()) <= set(pyproject["project"]["optional-dependencies"])
