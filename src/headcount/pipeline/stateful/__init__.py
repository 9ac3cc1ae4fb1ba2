"""`verify --state`: re-verify an appended pay period against a kept DuckDB state (docs/monitoring.md)."""
