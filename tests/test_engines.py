"""Choosing an engine: unknown names and a missing pyspark fail early and plainly.

pyspark is made unimportable here (None in sys.modules), as on an install without the
`spark` extra; no Spark session is started in this module.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from headcount.cli.app import app
from headcount.engine import EngineError, open_engine
from headcount.engine.spark_engine import (
    INSTALL_HINT,
    SparkDialect,
    SparkUnavailableError,
    require_pyspark,
    split_top_level,
)
from headcount.pipeline.verify import verify


@pytest.fixture
def no_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)


def test_missing_pyspark_names_the_extra(no_pyspark):
    with pytest.raises(SparkUnavailableError) as err:
        require_pyspark()
    assert INSTALL_HINT in str(err.value)
    assert INSTALL_HINT == "pip install 'headcount[spark]'"
    with pytest.raises(SparkUnavailableError):
        open_engine("spark")


def test_verify_stops_before_reading_anything(no_pyspark, agency, tmp_path):
    folder = agency.write()
    with pytest.raises(SparkUnavailableError):
        verify(folder, tmp_path / "out", engine="spark")
    assert not (tmp_path / "out").exists()


def test_cli_exits_2_with_the_install_hint(no_pyspark, agency, tmp_path):
    folder = agency.write()
    result = CliRunner().invoke(
        app, ["verify", str(folder), "--out", str(tmp_path / "out"), "--engine", "spark"]
    )
    assert result.exit_code == 2, result.output
    assert "headcount[spark]" in result.output
    assert "Nothing was written" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_rejects_a_master_without_the_spark_engine(agency, tmp_path):
    result = CliRunner().invoke(
        app,
        ["verify", str(agency.write()), "--out", str(tmp_path / "o"), "--spark-master", "local"],
    )
    assert result.exit_code == 2
    assert "--engine spark" in result.output


def test_unknown_engine_is_refused(agency, tmp_path):
    with pytest.raises(EngineError, match="available: duckdb, spark"):
        verify(agency.write(), tmp_path / "out", engine="oracle")
    with pytest.raises(EngineError):
        open_engine("oracle")


def test_order_by_keys_split_outside_parentheses_and_quotes():
    assert split_top_level("a, coalesce(b, c) DESC, 'x,y'") == [
        "a",
        "coalesce(b, c) DESC",
        "'x,y'",
    ]


def test_spark_dialect_is_spelled_without_pyspark(no_pyspark):
    # The dialect is plain text generation: rules can be rendered for Spark anywhere.
    d = SparkDialect()
    assert d.days_before("x", 13) == "date_sub(x, 13)"
    assert "array_sort(" in d.ordered_list("s", "k DESC NULLS FIRST, j")
