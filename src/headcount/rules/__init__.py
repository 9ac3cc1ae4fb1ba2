"""The rule catalogue: each rule is one module under `headcount.rules.catalog`, and installed
packages add theirs through the `headcount.rules` entry-point group (rules/registry.py).

What a rule plugin needs is importable from here: `Rule`, `Scope`, `Severity`, `RuleRow`,
the sentence helpers, and (from `headcount.rules.sql`) the SQL fragments the built-in rules
share.
"""

from headcount.contract.findings import Severity
from headcount.rules.base import Rule, RuleRow, Scope, money, plural, when
from headcount.rules.registry import (
    ENTRY_POINT_GROUP,
    RuleRegistryError,
    all_rules,
    get_rule,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Rule",
    "RuleRegistryError",
    "RuleRow",
    "Scope",
    "Severity",
    "all_rules",
    "get_rule",
    "money",
    "plural",
    "when",
]
