"""`verify --profile`'s report on stderr: the slowest DuckDB queries, each with the rule or
stage it belongs to, its time, the rows it scanned and its plan as a tree."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.tree import Tree

from headcount.engine.profile import Profiler

SLOWEST = 10  # queries listed
PLANS = 3  # of which the plans are drawn
PLAN_DEPTH = 12  # operators deeper than this are summarised


def print_profile(console: Console, profiler: Profiler, where: str) -> None:
    slowest = profiler.slowest(SLOWEST)
    total = sum(q.seconds for q in profiler.queries)
    table = Table(
        title=f"Slowest DuckDB queries ({len(profiler.queries):,} profiled, "
        f"{total:,.2f} s in all; every plan in {where})",
        title_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("rule or stage")
    table.add_column("seconds", justify="right")
    table.add_column("rows scanned", justify="right")
    table.add_column("slowest operator")
    for rank, q in enumerate(slowest, 1):
        op = _slowest_operator(q.plan)
        table.add_row(
            str(rank),
            q.label,
            f"{q.seconds:.3f}",
            f"{q.rows_scanned:,}",
            f"{op['type']} ({float(op.get('timing') or 0):.3f} s)" if op else "",
        )
    trees = []
    for rank, q in enumerate(slowest[:PLANS], 1):
        tree = Tree(f"[bold]#{rank} {q.label}[/] — {q.seconds:.3f} s")
        for node in q.plan:
            _add(tree, node, 0)
        trees.append(tree)
    console.print(Group(table, *trees))


def _operators(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in nodes:
        found.append(node)
        found.extend(_operators(node.get("children") or []))
    return found


def _slowest_operator(plan: list[dict[str, Any]]) -> dict[str, Any] | None:
    ops = _operators(plan)
    return max(ops, key=lambda n: float(n.get("timing") or 0)) if ops else None


def _add(parent: Tree, node: dict[str, Any], depth: int) -> None:
    rows = node.get("operator_cardinality", node.get("intermediate_rows"))
    label = f"{node.get('type', '?')}  {float(node.get('timing') or 0):.3f} s"
    if rows is not None:
        label += f"  {int(rows):,} rows"
    table = (node.get("extra_info") or {}).get("Table")
    if table:
        label += f"  [dim]{table}[/]"
    branch = parent.add(label)
    children = node.get("children") or []
    if depth >= PLAN_DEPTH and children:
        branch.add(f"[dim]… {len(_operators(children))} more operators (in the profile file)[/]")
        return
    for child in children:
        _add(branch, child, depth + 1)
