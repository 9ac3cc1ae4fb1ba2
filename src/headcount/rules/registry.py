"""Finds the rules: every module in `headcount.rules.catalog` that defines `RULE`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from headcount.rules import catalog
from headcount.rules.base import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    """The catalogue, ordered by severity then code (the order of the docs and reports)."""
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(catalog.__path__):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise RuntimeError(f"two rules share a code: {sorted(codes)}")
    return tuple(sorted(rules, key=lambda r: (r.severity.rank, r.code)))


def get_rule(code: str) -> Rule:
    for rule in all_rules():
        if rule.code == code:
            return rule
    raise KeyError(code)
