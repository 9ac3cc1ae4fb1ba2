"""The rule catalogue: each rule is one module under `headcount.rules.catalog`."""

from headcount.rules.base import Rule, RuleRow
from headcount.rules.registry import all_rules, get_rule

__all__ = ["Rule", "RuleRow", "all_rules", "get_rule"]
