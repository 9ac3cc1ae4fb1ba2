"""Writing the results folder: CSV, Parquet and JSON, published all at once or not at all."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from headcount import scratch
from headcount.contract.csvout import write_table


class OutputError(RuntimeError):
    """OUT cannot be written (it is something else, or the disk refused)."""


@dataclass(frozen=True)
class FolderKind:
    """What a command writes into its OUT folder. OUT is replaced as a whole, so a folder is
    replaced only when it is empty or holds `marker` and nothing but `files`: anything
    else in it (an agency's own files, notes) would be deleted with it."""

    name: str
    files: frozenset[str]
    marker: str


RESULTS = FolderKind(
    "a headcount results folder",
    frozenset(
        {
            "findings.csv",
            "findings.parquet",
            "payees.csv",
            "finding_payments.csv",
            "finding_employees.csv",
            "existence.csv",
            "manifest.json",
            "manifest.sig",
            "summary.json",
            "report.html",
        }
    ),
    marker="summary.json",
)


def write_csv(table: pa.Table, path: Path) -> None:
    """RFC 4180 CSV through the one writer: no text cell opens as a spreadsheet formula."""
    write_table(table, path)


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _lineage(path: Path) -> list[tuple[int, int]]:
    """The identities of `path` (if it exists) and of its existing ancestors."""
    found = (_identity(p) for p in (path, *path.parents))
    return [i for i in found if i is not None]


def _relation(out: Path, other: Path) -> str | None:
    """How OUT stands to `other`, if they overlap. Compared both as resolved paths (for
    folders not yet made) and by device and inode, so that symlinks, `..`, bind mounts
    and letter case cannot hide that two paths are one folder."""
    o, p = out.resolve(), other.resolve()
    o_id, p_id = _identity(o), _identity(p)
    if o == p or (o_id is not None and o_id == p_id):
        return "is"
    if p in o.parents or (p_id is not None and p_id in _lineage(o)):
        return "is inside"
    if o in p.parents or (o_id is not None and o_id in _lineage(p)):
        return "holds"
    return None


def check_apart(out: Path, others: Mapping[str, Path]) -> None:
    """Refuse OUT when it is, is inside, or holds any of `others` (label -> folder):
    replacing OUT would delete it, or it would replace what OUT is written from."""
    for label, other in others.items():
        where = _relation(out, other)
        if where is not None:
            raise OutputError(
                f"OUT {out} {where} {label} {other}; OUT is replaced as a whole, so it must "
                "be a folder of its own: choose one outside it"
            )


def _unexpected(out: Path, kind: FolderKind) -> list[str]:
    """What stops `out` being replaced: names it holds that `kind` never writes, or its
    missing marker. Empty when it may be replaced."""
    names = sorted(entry.name for entry in out.iterdir())
    if not names:
        return []
    if kind.marker not in names:
        return names
    return [name for name in names if name not in kind.files]


def check_output_folder(
    out: Path, kind: FolderKind = RESULTS, *, apart_from: Mapping[str, Path] | None = None
) -> None:
    """Refuse early, before any work, to overwrite something that is not `kind`, or a
    folder of `apart_from`; and clear what a killed run left beside OUT (see _recover)."""
    check_apart(out, apart_from or {})
    _recover(out.resolve())
    if out.is_symlink() and not out.exists():
        raise OutputError(f"{out} is a broken symbolic link; choose another folder")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} already exists and is not a folder; choose another")
    unexpected = _unexpected(out, kind)
    if unexpected:
        shown = ", ".join(unexpected[:3]) + (", …" if len(unexpected) > 3 else "")
        raise OutputError(
            f"{out} already exists and is not {kind.name} (it holds {shown}); "
            "choose a new folder or remove it"
        )


def _partial_prefix(out: Path) -> str:
    return f".{out.name}.partial-"


def _old_prefix(out: Path) -> str:
    return f".{out.name}.old-"


def _recover(out: Path) -> None:
    """Undo what a run killed while writing OUT left beside it. A `.OUT.partial-…` folder
    is removed. A `.OUT.old-…` folder is the previous OUT: killed after moving it aside but
    before putting the new one in place, the run left no OUT, so it goes back; otherwise it
    is removed. Only folders of dead processes are touched (see headcount.scratch)."""
    parent = out.parent
    for old in reversed(scratch.stale_dirs(parent, _old_prefix(out))):  # newest first
        if not out.exists() and not out.is_symlink():
            os.rename(old, out)
        else:
            shutil.rmtree(old, ignore_errors=True)
    scratch.sweep(parent, _partial_prefix(out))


def _publish(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.rename(tmp, out)
        return
    old = out.with_name(scratch.new_name(_old_prefix(out)))
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_directory(out: Path, kind: FolderKind = RESULTS) -> Iterator[Path]:
    """Yield a temporary folder beside OUT; on success it replaces OUT in one rename.

    On any failure, Ctrl-C included, the temporary folder is removed and OUT is left as it
    was. The folder's name carries this process's id, so if the process is killed outright
    the next run removes it (_recover).
    """
    out = out.resolve()
    check_output_folder(out, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        with scratch.signals_held():  # so that `tmp` is known once the folder exists
            tmp = scratch.make_dir(out.parent, _partial_prefix(out))
        yield tmp
        with scratch.signals_held():  # OUT must never be left missing between two renames
            _publish(tmp, out)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
