"""Writing the results folder: CSV, Parquet and JSON, published all at once or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from headcount.contract.csvout import write_table

# A folder holding these was written by a previous run and may be replaced by a new one.
RESULT_MARKERS = ("summary.json", "findings.csv")


class OutputError(RuntimeError):
    """OUT cannot be written (it is something else, or the disk refused)."""


def write_csv(table: pa.Table, path: Path) -> None:
    """RFC 4180 CSV through the one writer: no text cell opens as a spreadsheet formula."""
    write_table(table, path)


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _replaceable(out: Path) -> bool:
    if not out.is_dir():
        return False
    entries = list(out.iterdir())
    return not entries or all((out / marker).exists() for marker in RESULT_MARKERS)


def check_output_folder(out: Path) -> None:
    """Refuse early, before any work, to overwrite something that is not our results."""
    if out.exists() and not _replaceable(out):
        raise OutputError(
            f"{out} already exists and is not a headcount results folder; "
            "choose a new folder or remove it"
        )


@contextmanager
def atomic_directory(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside OUT; on success it replaces OUT in one rename.

    On any failure the temporary folder is removed and OUT is left as it was.
    """
    out = out.resolve()
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
