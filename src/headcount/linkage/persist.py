"""A fitted model kept in a file and reused while the roster it was fitted on still fits.

`headcount linkage fit` writes one; `verify --model FILE` reads it (never writes it). The
file is Splink's own JSON model (comparisons, m and u of every level) plus `headcount_*`
keys: the record count and the exact u shares it was fitted with (`estimate_u.py`), a
digest of the model definition (`model.py`), and whether it was trained on a roster.

A kept model is refitted when the roster's distribution has moved: its size changed by more
than SIZE_RATIO either way, or any exact share (how often two people share a surname, a
birth date, an address …) moved by more than DRIFT_BITS (a factor of two changes that
level's weight by one bit), or the model definition changed. The prior is always
re-estimated on the roster at hand: it is one cheap count.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

from headcount.linkage.estimate_u import Shares

FORMAT = 1
SIZE_RATIO = 1.5
DRIFT_BITS = 1.0


class ModelFileError(ValueError):
    """A model file that cannot be used: unreadable, not JSON, not a headcount model."""


def definition_digest() -> str:
    """What the model compares and how: a saved model of another definition is refitted."""
    from headcount.linkage import model  # Splink: loaded only when a model is used

    settings = model.settings().get_settings(model.DIALECT)
    parts = [c._case_statement for c in settings.comparisons]
    parts += [str(r.blocking_rule_sql) for r in settings._blocking_rules_to_generate_predictions]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def to_json(splink_model: dict[str, Any], records: int, trained: bool, exact: Shares) -> str:
    saved = {
        **splink_model,
        "headcount_format": FORMAT,
        "headcount_records": records,
        "headcount_trained_on_a_roster": trained,
        "headcount_definition": definition_digest(),
        "headcount_exact_u": {f"{c}/{lv}": share for (c, lv), share in sorted(exact.items())},
    }
    return json.dumps(saved, indent=1, sort_keys=True) + "\n"


def save(path: Path, text: str) -> None:
    """Written beside and renamed into place: a reader never sees half a model."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(
            f"{path}: no such model file (write one with `headcount linkage fit`)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable model file ({exc})") from None
    if not isinstance(loaded, dict) or loaded.get("headcount_format") != FORMAT:
        raise ModelFileError(
            f"{path}: not a headcount linkage model (write one with `headcount linkage fit`)"
        )
    return loaded


def splink_settings(saved: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in saved.items() if not k.startswith("headcount_")}


def moved(saved: dict[str, Any], records: int, exact: Shares) -> str | None:
    """Why `saved` no longer fits a roster of `records` with these exact shares, or None."""
    if saved.get("headcount_definition") != definition_digest():
        return "the model definition changed since it was fitted"
    before = int(saved.get("headcount_records", 0))
    if not before or max(records / before, before / records) > SIZE_RATIO:
        return f"the roster changed from {before:,} to {records:,} records"
    kept = saved.get("headcount_exact_u", {})
    for (comparison, level), share in sorted(exact.items()):
        old = kept.get(f"{comparison}/{level}")
        if not isinstance(old, int | float) or old <= 0:
            return f"the model has no share for {comparison} ({level})"
        if abs(math.log2(share / old)) > DRIFT_BITS:
            return (
                f"how often two records agree on {comparison} ({level}) moved from "
                f"{old:.3g} to {share:.3g}"
            )
    return None
