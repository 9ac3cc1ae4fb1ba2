"""Scoring one named pair of roster records, whether or not blocking would ever compare it.

Used for a must-link pair the model scored below the threshold (or never compared), and by
`headcount linkage explain A B`. Splink scores the pair with the run's model and the
roster's own term frequencies, and says whether any blocking rule would have admitted it.
"""

from __future__ import annotations

import itertools
from typing import Any

from splink import Linker

from headcount.engine.base import Engine
from headcount.linkage.records import RECORDS_TABLE

_REGISTERED = itertools.count()  # Splink refuses a table name registered before


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def score_pair(engine: Engine, linker: Linker, a: str, b: str) -> dict[str, Any] | None:
    """Splink's prediction row for records `a` and `b` (match_probability, match_weight,
    gamma_* and mw_* of every comparison, found_by_blocking_rules), or None when either
    id is not on the roster."""
    sides = []
    for side, employee_id in (("l", a), ("r", b)):
        name = f"hc_pair_{side}"
        engine.create_table(
            name, f"SELECT * FROM {RECORDS_TABLE} WHERE unique_id = {_sql_str(employee_id)}"
        )
        if engine.count(name) != 1:
            engine.execute("DROP TABLE IF EXISTS hc_pair_l; DROP TABLE IF EXISTS hc_pair_r")
            return None
        sides.append(linker._db_api.register(name, table_name=f"{name}_{next(_REGISTERED)}"))
    scored = linker.inference.score_pair(sides[0], sides[1], include_found_by_blocking_rules=True)
    try:
        rows = engine.fetch_arrow(f"SELECT * FROM {scored.physical_name}").to_pylist()
    finally:
        scored.drop_table_from_database_and_remove_from_cache()
        engine.execute("DROP TABLE IF EXISTS hc_pair_l; DROP TABLE IF EXISTS hc_pair_r")
    return rows[0] if rows else None
