"""The library API: `from headcount import …` as a Python user writes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import headcount


def test_every_public_name_resolves():
    for name in headcount.__all__:
        assert getattr(headcount, name) is not None
    assert set(headcount.__all__) <= set(dir(headcount))


def test_importing_headcount_loads_no_heavy_library():
    code = (
        "import sys, headcount; "
        "print(sorted(m for m in ('duckdb','pyarrow','splink','fastapi','sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_generate_then_verify_from_python(tmp_path: Path):
    from headcount import DatasetError, generate_agency, verify

    generate_agency(tmp_path / "agency", employees=2000, seed=3)
    result = verify(tmp_path / "agency", tmp_path / "results")
    assert result.report.exists()
    assert result.summary["payees"]["total"] > 0
    try:
        verify(tmp_path / "nowhere", tmp_path / "other")
    except DatasetError as exc:
        assert "nowhere" in str(exc)
    else:
        raise AssertionError("a missing dataset must raise DatasetError")


def test_the_package_is_typed():
    assert (Path(headcount.__file__).parent / "py.typed").exists()


def test_all_lists_exactly_the_lazy_names():
    assert set(headcount.__all__) - {"__version__"} == set(headcount._PUBLIC)
