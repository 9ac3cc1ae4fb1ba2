"""The import rule, read from the code itself: imports run one way, down the layers, and no
modules import each other in a circle. docs/architecture.md draws the same layers."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import headcount

PACKAGE = Path(headcount.__file__).parent

# Top to bottom: a module may import its own layer's packages and any layer below, never
# one above. Top-level modules count as packages of their own name.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "__main__", "cli", "web", "migrations"}),
    frozenset({"cases", "checkins", "pipeline", "provenance", "publish"}),
    frozenset({"rules", "linkage", "audit", "auth", "pii"}),
    frozenset({"ingest", "report", "matching", "synth"}),
    frozenset({"engine", "contract", "store", "secrets", "scratch", "i18n"}),
)
LAYER = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (names for the type checker only)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def imports(path: Path) -> set[str]:
    """Every headcount module `path` imports at run time, at any depth of the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # `from headcount.x import y` may name a module y
            found.update(f"{module}.{a.name}" for a in node.names)
    # `from headcount import __version__` reads the package's face, which imports nothing.
    return {m for m in found if m.split(".")[0] == "headcount" and m != "headcount"}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in imports(path) if m in files and m != name} for name, path in files.items()
    }


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_area_has_a_layer():
    missing = {area(m) for m in graph()} - set(LAYER)
    assert not missing, f"add {sorted(missing)} to LAYERS and docs/architecture.md"


def test_no_import_runs_up_a_layer():
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if LAYER[area(target)] < LAYER[area(source)]
    )
    assert not upward, "imports that run up a layer:\n" + "\n".join(upward)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_modules_import_each_other_in_a_circle():
    edges = graph()
    # A package's __init__ re-exporting its own modules is its face, not a circle.
    edges = {
        m: {t for t in ts if not (t in edges and m.startswith(t + "."))} for m, ts in edges.items()
    }
    assert _cycles(edges) == []


def test_no_areas_import_each_other_in_a_circle():
    between: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph().items():
        between[area(source)].update(area(t) for t in targets if area(t) != area(source))
    assert _cycles(dict(between)) == []


def test_the_checker_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
