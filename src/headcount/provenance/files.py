"""Which files a run reads, and their SHA-256: hashed on a background thread beside ingest.

Hashing a file already being read by DuckDB costs little wall time: the bytes come from the
page cache, and hashlib releases the GIL while it digests, so the thread runs beside
DuckDB's own threads rather than after them.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headcount.ingest.files import locate
from headcount.ingest.mapping import CONFIG_FILE

_CHUNK = 8 * 1024 * 1024


class ProvenanceError(RuntimeError):
    """A manifest cannot be made or read (an input changed mid-run, a bad key, no manifest)."""


@dataclass(frozen=True)
class FileDigest:
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"bytes": self.size, "sha256": self.sha256}

    @classmethod
    def from_json(cls, data: Any) -> FileDigest:
        try:
            return cls(int(data["bytes"]), str(data["sha256"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProvenanceError(f"a file entry of the manifest is malformed: {exc}") from None


def dataset_files(folder: Path) -> dict[str, Path]:
    """Every file load_dataset reads from `folder`, by table name and format
    ('roster.csv', 'deaths.dmf', …) and headcount.toml; raises DatasetError as verify
    would for a folder it cannot use."""
    files = {f"{name}.{fmt}": path for name, found in locate(folder).items() for path, fmt in found}
    config = folder / CONFIG_FILE
    if config.is_file():
        files[CONFIG_FILE] = config
    return dict(sorted(files.items()))


def digest_file(path: Path, stop: threading.Event | None = None) -> FileDigest:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while (stop is None or not stop.is_set()) and (chunk := fh.read(_CHUNK)):
            digest.update(chunk)
            size += len(chunk)
    return FileDigest(size, digest.hexdigest())


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class InputHashes:
    """The digests of `files`, computed on a background thread started at once."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = dict(files)
        self._stats = {name: _stat(path) for name, path in self.files.items()}
        self._digests: dict[str, FileDigest] = {}
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="headcount-inputs", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for name, path in self.files.items():
                self._digests[name] = digest_file(path, self._stop)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def stop(self) -> None:
        """Stop hashing (the run failed: nobody will ask for the digests)."""
        self._stop.set()

    def result(self) -> dict[str, FileDigest]:
        """Waits for the thread; raises ProvenanceError if a file changed since the start
        (the run would otherwise record bytes it did not read)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        for name, path in self.files.items():
            if _stat(path) != self._stats[name] or self._digests[name].size != self._stats[name][0]:
                raise ProvenanceError(
                    f"{name} changed while this run read it; run again once it is complete"
                )
        return dict(self._digests)
