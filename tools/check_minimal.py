"""Check the base install: verify runs, and each extra's command names the extra it needs.

Run by `make minimal` with the python of a venv that holds `pip install headcount` alone
(no extras, no dev tools), as an agency's verification host would:

    .minimal/bin/python tools/check_minimal.py .minimal

It imports only the standard library and headcount's CLI, so it runs inside that venv. Exits 1 naming the first check that fails.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

# The development tools; the extras' modules come from the CLI's own map (cli/common.py).
DEV = ("pytest", "hypothesis", "statsmodels")


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"minimal install: {what}")
    print(f"ok: {what}")


def run(headcount: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(headcount), *args], capture_output=True, text=True, check=False)


def main(venv: Path) -> None:
    from headcount.cli.common import EXTRA_OF_MODULE

    for module, extra in [*EXTRA_OF_MODULE.items(), *((m, "dev") for m in DEV)]:
        check(importlib.util.find_spec(module) is None, f"{module} ({extra}) not installed")
    headcount = venv / "bin" / "headcount"
    check(run(headcount, "--help").returncode == 0, "headcount --help runs")
    with tempfile.TemporaryDirectory(prefix="hc-minimal-") as tmp:
        data, out = Path(tmp) / "agency", Path(tmp) / "results"
        made = run(headcount, "synth", str(data), "--employees", "500", "--seed", "3")
        check(made.returncode == 0, f"synth runs ({made.stderr.strip()[-300:]})")
        done = run(headcount, "verify", str(data), "--out", str(out), "--quiet")
        check(done.returncode == 0, f"verify runs ({done.stderr.strip()[-300:]})")
        check((out / "findings.csv").is_file(), "verify wrote findings.csv")
        check((out / "manifest.json").is_file(), "verify wrote manifest.json")
        for args, extra in ((("serve",), "web"), (("users", "list"), "web")):
            refused = run(headcount, *args)
            check(
                refused.returncode == 2 and f"headcount[{extra}]" in refused.stderr,
                f"`headcount {' '.join(args)}` exits 2 naming headcount[{extra}]",
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
