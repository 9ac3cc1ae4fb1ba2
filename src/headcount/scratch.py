"""Scratch folders that name their owner, so what a killed run leaves is cleared by the next.

A run that is killed outright (SIGKILL, a power cut) cannot remove its temporary folders:
DuckDB's spill files, the half-written `.OUT.partial-…` folder. Each such folder's name
carries its owner — a tag of the host name and the process id — and a later run removes a
folder only when its owner is on this host and no longer running. A folder of a live run,
of another host, or in an older naming is never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

SPILL_PREFIX = "headcount-spill-"
# After the caller's prefix: host tag, process id, then mkdtemp's own 8 random characters.
_OWNED = re.compile(r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[a-z0-9_]{8}")


def _host_tag() -> str:
    # A hash, not the name itself: folder names are seen by anyone listing the parent.
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def owner_tag(pid: int | None = None) -> str:
    """Process `pid` (default: this one, read at each call: a fork has a new pid) on this
    host, as folder names spell it."""
    return f"{_host_tag()}-{os.getpid() if pid is None else pid}"


def make_dir(parent: Path, prefix: str) -> Path:
    """A new, empty folder in `parent` named `prefix` + this process's owner tag + random."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}-", dir=parent))


def new_name(prefix: str) -> str:
    """A name for a folder this process will rename something to (see make_dir)."""
    return f"{prefix}{owner_tag()}-{secrets.token_hex(4)}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def is_stale(name: str, prefix: str) -> bool:
    """`name` is a folder made by make_dir(…, prefix) whose owner has died on this host."""
    if not name.startswith(prefix):
        return False
    owned = _OWNED.fullmatch(name[len(prefix) :])
    if owned is None or owned["host"] != _host_tag():
        return False
    return not _alive(int(owned["pid"]))


def stale_dirs(parent: Path, prefix: str) -> list[Path]:
    """The folders in `parent` made with `prefix` by processes that have died, oldest first."""
    try:
        entries = list(parent.iterdir())
    except OSError:  # a parent that is not there (yet) holds nothing stale
        return []
    found: list[tuple[int, Path]] = []
    for path in entries:
        if not is_stale(path.name, prefix):
            continue
        try:
            st = path.lstat()
        except OSError:  # removed meanwhile by another run's sweep
            continue
        if stat.S_ISDIR(st.st_mode):
            found.append((st.st_mtime_ns, path))
    return [path for _, path in sorted(found)]


def sweep(parent: Path, prefix: str) -> None:
    """Remove what dead runs left in `parent` under `prefix`."""
    for path in stale_dirs(parent, prefix):
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then take effect: for steps that
    must not be cut in half, such as making a folder and remembering its name. (Only the
    main thread receives signals and may set handlers; elsewhere this does nothing.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        pending.append(signum)

    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, hold) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if pending:
            signal.raise_signal(pending[0])


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """A folder in the system's temporary directory, removed after use. Folders a dead run
    left under the same prefix are removed first: DuckDB's spill files and a copied
    payroll tail can take gigabytes."""
    parent = Path(tempfile.gettempdir())
    sweep(parent, prefix)
    path: Path | None = None
    try:
        with signals_held():
            path = make_dir(parent, prefix)
        yield path
    finally:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def spill_dir() -> contextlib.AbstractContextManager[Path]:
    """Where a run's DuckDB spills beyond its memory limit."""
    return temp_dir(SPILL_PREFIX)
