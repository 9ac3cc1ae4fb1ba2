"""How much of an input file headcount will read before calling it hostile or broken.

A payroll or HR export is a few dozen columns of short values; these limits are far above
any real one, and they are checked on the header (or the Parquet footer) and by the CSV
reader itself, so a file that breaks them is refused (exit 2) before it is parsed in full
and never gets to take the machine's memory. An agency whose files really are wider or
longer raises them in headcount.toml, up to a ceiling that still bounds the memory:

    [limits]
    max_columns = 800
    max_record_bytes = 4194304
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
# Per allowed column: room for the schema entry and the statistics of many row groups.
_FOOTER_BYTES_PER_COLUMN = 16 * 1024


@dataclass(frozen=True)
class Limits:
    """max_columns: columns in a CSV header or a Parquet schema (extra columns included);
    max_record_bytes: bytes in one CSV record (a line, or several when a quoted value holds
    line breaks), so also the largest cell."""

    max_columns: int = 500
    max_record_bytes: int = 1 * MIB

    @property
    def max_footer_bytes(self) -> int:
        """The largest Parquet footer (schema and row-group metadata) read."""
        return self.max_columns * _FOOTER_BYTES_PER_COLUMN


DEFAULT_LIMITS = Limits()
# What headcount.toml may raise them to: beyond this even a legitimate file would need more
# memory per reading thread than a shared machine should give one input.
CEILINGS = {"max_columns": 10_000, "max_record_bytes": 16 * MIB}
