"""Exporting the audit log as CSV to a file; the export is itself an audit entry (written
first, so the file holds it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from headcount.audit.chain import record
from headcount.audit.query import AuditFilter, entries, write_csv
from headcount.store import Store


def export_csv(
    store: Store, filters: AuditFilter, out: Path, *, actor: str, client: str | None
) -> int:
    """Write the matching entries to `out` atomically (a partial file is never left);
    returns the number of rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".audit-", suffix=".csv", dir=out.parent)
    try:
        with store.begin() as s:
            record(
                s, actor=actor, action="audit.export", target_type="audit_log",
                client=client, detail=filters.as_detail(),
            )  # fmt: skip
        with store.begin() as s, os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            count = write_csv(entries(s, filters), fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
