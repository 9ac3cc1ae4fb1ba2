"""Address keys for the rules, computed once per run by the shared normaliser.

- `roster_addresses(employee_id, address_key, po_box)`: each roster record's home address.
- `vendor_addresses(vendor_id, address_key)`: each vendor's address.

The key (matching/address.py) is computed in Python over the distinct addresses and handed
to the engine as a table, so DuckDB and Spark compare exactly the same strings.
"""

from __future__ import annotations

import pyarrow as pa

from headcount.engine.base import Engine
from headcount.matching.address import address_key, is_po_box


def _keys(engine: Engine, sql: str, id_column: str) -> pa.Table:
    rows = engine.fetch_arrow(sql)
    ids = rows.column(id_column)
    lines = rows.column("line").to_pylist()
    zips = rows.column("zip").to_pylist()
    return pa.table(
        {
            id_column: ids,
            "address_key": pa.array(
                [address_key(line, z) for line, z in zip(lines, zips, strict=True)], pa.string()
            ),
            "po_box": pa.array([is_po_box(line) for line in lines], pa.bool_()),
        }
    )


def prepare_addresses(engine: Engine) -> None:
    roster = _keys(
        engine,
        "SELECT employee_id, home_address AS line, zip FROM roster WHERE employee_id IS NOT NULL",
        "employee_id",
    )
    engine.register_arrow("roster_addresses", roster)
    vendors = _keys(
        engine,
        "SELECT vendor_id, address AS line, zip FROM vendors WHERE vendor_id IS NOT NULL",
        "vendor_id",
    )
    engine.register_arrow("vendor_addresses", vendors.drop_columns(["po_box"]))
    address_key.cache_clear()  # the cache is for repeats within a run, not across runs
