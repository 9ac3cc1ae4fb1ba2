"""Fingerprints of a run's inputs and of the code: what `verify --state` compares.

Each input file is known by its size, modification time and SHA-256. payroll.csv, the big
one, is hashed on a background thread while the run works, in one pass that also notes the
digest at the length already ingested: whether the stored content is still an exact prefix
of the file.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import headcount
from headcount.contract.tables import PAYROLL

_CHUNK = 8 * 1024 * 1024
# The packages whose code decides what is stored; a change to any of them means a full run.
_CODE_PACKAGES = ("contract", "engine", "ingest", "linkage", "matching", "pipeline", "rules")
_CODE_SUFFIXES = (".py", ".csv", ".json")


@dataclass(frozen=True)
class FileStamp:
    size: int
    mtime_ns: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileStamp:
        return cls(int(data["size"]), int(data["mtime_ns"]), str(data["sha256"]))


def stat_of(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def stamp(path: Path) -> FileStamp:
    size, mtime = stat_of(path)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return FileStamp(size, mtime, digest.hexdigest())


def payroll_key(files: dict[str, Path]) -> str:
    """Which key of dataset_files() is the payroll ('payroll.csv' or 'payroll.parquet')."""
    return next(k for k in files if k.split(".", 1)[0] == PAYROLL.name)


def code_fingerprint() -> str:
    """headcount's version and the source of every package that decides what is stored."""
    root = Path(headcount.__file__).parent
    digest = hashlib.sha256(headcount.__version__.encode())
    for package in _CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in _CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


class PayrollHash:
    """SHA-256 of a file on a background thread, with the digest at byte `mark` noted.

    Hashing releases the GIL, so the thread runs beside DuckDB's work.
    """

    def __init__(self, path: Path, mark: int | None) -> None:
        self.path = path
        self.mark = mark
        self._size, self._mtime = stat_of(path)
        self._prefix: str | None = None
        self._stamp: FileStamp | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="headcount-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            digest = hashlib.sha256()
            read = 0
            if self.mark == 0:
                self._prefix = digest.hexdigest()
            with self.path.open("rb") as fh:
                while True:
                    want = _CHUNK
                    if self.mark is not None and read < self.mark:
                        want = min(want, self.mark - read)
                    chunk = fh.read(want)
                    if not chunk:
                        break
                    digest.update(chunk)
                    read += len(chunk)
                    if read == self.mark:
                        self._prefix = digest.hexdigest()
            self._stamp = FileStamp(read, self._mtime, digest.hexdigest())
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> tuple[str | None, FileStamp]:
        """(digest of the first `mark` bytes, or None if the file is shorter; the whole
        file's stamp). Waits for the thread."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._stamp is not None
        return self._prefix, self._stamp

    @property
    def size(self) -> int:
        """The file's size when hashing started."""
        return self._size
