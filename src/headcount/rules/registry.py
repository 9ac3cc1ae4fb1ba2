"""Finds the rules: the built-in catalogue and the rules other packages install.

Built-in rules are the modules of `headcount.rules.catalog` that define `RULE`. An installed
package adds its own through the `headcount.rules` entry-point group (as pytest and datasette
find plugins): each entry point names a `Rule`, a module defining `RULE` or `RULES`, or a
sequence of rules. See docs/architecture.md, "Adding a rule from your own package".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from headcount.rules import catalog
from headcount.rules.base import Rule

ENTRY_POINT_GROUP = "headcount.rules"


class RuleRegistryError(RuntimeError):
    """A rule plugin cannot be loaded, or two rules share a code."""


def _builtin_rules() -> list[Rule]:
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(catalog.__path__):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    return rules


def _as_rules(obj: object) -> list[Rule] | None:
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        found = getattr(obj, "RULES", None) or getattr(obj, "RULE", None)
        return None if found is None else _as_rules(found)
    if isinstance(obj, Iterable) and not isinstance(obj, str | bytes):
        items = list(obj)
        if items and all(isinstance(r, Rule) for r in items):
            return items
    return None


def _plugin_rules(points: Iterable[EntryPoint]) -> list[Rule]:
    rules: list[Rule] = []
    for point in sorted(points, key=lambda p: (p.name, p.value)):
        where = f"rule plugin {point.name!r} ({point.value}"
        where += f", from {point.dist.name})" if point.dist is not None else ")"
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin must say which one, not crash verify
            raise RuleRegistryError(f"{where} could not be loaded: {exc}") from exc
        found = _as_rules(loaded)
        if found is None:
            raise RuleRegistryError(
                f"{where} names neither a Rule, a module defining RULE or RULES, "
                "nor a list of rules"
            )
        origin = point.dist.name if point.dist is not None else point.name
        rules += [replace(rule, origin=origin) for rule in found]
    return rules


def collect(builtin: list[Rule], plugins: list[Rule]) -> tuple[Rule, ...]:
    """The catalogue, ordered by severity then code (the order of the docs and reports)."""
    seen: dict[str, Rule] = {}
    for rule in [*builtin, *plugins]:
        if rule.code in seen:
            first = seen[rule.code]
            raise RuleRegistryError(
                f"two rules share the code {rule.code} ({first.origin} and {rule.origin}); "
                "every rule needs a code of its own"
            )
        seen[rule.code] = rule
    return tuple(sorted(seen.values(), key=lambda r: (r.severity.rank, r.code)))


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule: the built-in catalogue and those installed packages register."""
    return collect(_builtin_rules(), _plugin_rules(entry_points(group=ENTRY_POINT_GROUP)))


def get_rule(code: str) -> Rule:
    for rule in all_rules():
        if rule.code == code:
            return rule
    raise KeyError(code)
