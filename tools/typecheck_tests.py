"""Type-check tests, benchmarks, tools and examples with mypy (config: tests/mypy.ini).

    python tools/typecheck_tests.py [extra mypy arguments]

pytest imports a module of a test sub-folder (tests/checkins/...) by two names: by its bare
name (`from smtp_sink import ...`, pytest puts the folder on sys.path) and by its folder's
name (`from checkins.conftest import SECRET`, tests/ is on sys.path too). mypy gives each file
one name, so this names every module of a sub-folder as the tests import it: bare when some
test imports it bare (that folder then goes on mypy's path), `folder.module` otherwise. Every
a module imported under both names is an error named here. mypy takes files or modules, not
both, so it runs twice (the second reuses the first's cache). Exits 1 if either fails.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
CONFIG = TESTS / "mypy.ini"
# Folders checked as files: mypy names them from the bases in tests/mypy.ini.
FILE_ROOTS = ("benchmarks", "tools", "examples")


def imported_names(files: list[Path]) -> set[str]:
    """Every absolute module name the files import (`import a.b`, `from a.b import c`)."""
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def sub_folder_modules(imported: set[str]) -> tuple[list[str], list[Path]]:
    """The module name of each file in tests/*/, and the folders whose modules go bare."""
    modules: list[str] = []
    bare_folders: list[Path] = []
    for folder in sorted(p for p in TESTS.iterdir() if (p / "conftest.py").is_file()):
        for path in sorted(folder.glob("*.py")):
            qualified = f"{folder.name}.{path.stem}"
            if path.stem in imported and qualified in imported:
                sys.exit(
                    f"{path.relative_to(ROOT)} is imported both as {path.stem!r} and as "
                    f"{qualified!r}; mypy needs one name: use one of them everywhere."
                )
            if path.stem in imported:
                modules.append(path.stem)
                if folder not in bare_folders:
                    bare_folders.append(folder)
            else:
                modules.append(qualified)
    return modules, bare_folders


def main(extra: list[str]) -> int:
    test_files = sorted(TESTS.rglob("*.py"))
    modules, bare_folders = sub_folder_modules(imported_names(test_files))
    files = [str(p.relative_to(ROOT)) for p in sorted(TESTS.glob("*.py"))]
    files += [root for root in FILE_ROOTS if (ROOT / root).is_dir()]
    mypy = [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), *extra]
    # MYPYPATH comes before the config's mypy_path: bare names resolve to their sub-folder.
    env = dict(os.environ, MYPYPATH=os.pathsep.join(str(f) for f in bare_folders))
    # A module both runs import (tests/test_cli.py, say) is checked in each: its errors show
    # twice, but the runs share one cache (their options are the same).
    runs = [files, [a for m in modules for a in ("-m", m)]]
    codes = [
        subprocess.run([*mypy, *run], cwd=ROOT, env=env, check=False).returncode for run in runs
    ]
    return 1 if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
