"""How much memory DuckDB may use in a run: its share of the machine, or what was asked.

DuckDB's own default is 80% of physical memory, which leaves nothing for Splink, Python,
Arrow and the page cache, and ignores a container's cgroup limit. The budget here is
SHARE of the smaller of physical memory and the cgroup limit (v2 `memory.max`, or v1
`memory.limit_in_bytes`, on the run's cgroup and every cgroup above it); beyond it DuckDB
spills to the run's temporary folder. `--memory-limit` overrides it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from headcount.contract.summary import MemorySummary

MIB = 1024 * 1024
GIB = 1024 * MIB
SHARE = (
    0.25  # at 2.4 M employees on 24 GB this keeps the whole run (Splink, Arrow, Python) under 8 GB
)
FLOOR = 256 * MIB  # below this DuckDB cannot hold one table's working set; never go under it
# A cgroup "limit" this large (v1 writes about 2**63) means there is none.
_UNLIMITED = 1 << 60
_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": MIB,
    "gib": GIB,
    "tib": 1024 * GIB,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class MemoryBudget:
    """limit: DuckDB's memory_limit as set (e.g. "8064MiB" or the "6GB" asked for);
    chosen: how it was chosen, in words, for summary.json."""

    limit: str
    chosen: str

    def to_json(self) -> MemorySummary:
        return {"duckdb_memory_limit": self.limit, "chosen": self.chosen}


def parse_size(text: str) -> int:
    """Bytes in a size as DuckDB writes them ("8GB", "512 MiB", "1.5GB"); ValueError for
    anything else, or for less than FLOOR."""
    m = _SIZE.fullmatch(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a memory size such as 8GB or 512MiB")
    size = int(float(m.group(1)) * _UNITS[unit])
    if size < FLOOR:
        raise ValueError(f"{text!r} is less than {FLOOR // MIB} MiB, too little to run in")
    return size


def memory_budget(requested: str | None = None) -> MemoryBudget:
    """The budget for one run: `requested` (checked by parse_size), else SHARE of the
    machine as physical memory and the cgroup limit allow."""
    if requested:
        parse_size(requested)
        return MemoryBudget(requested, "--memory-limit")
    physical = physical_memory()
    cgroup = cgroup_limit()
    base, what = physical, "physical memory"
    if cgroup is not None and cgroup < physical:
        base, what = cgroup, "the cgroup memory limit"
    size = max(int(base * SHARE), FLOOR)
    return MemoryBudget(
        f"{size // MIB}MiB", f"{SHARE:.0%} of {what} ({base / GIB:.1f} GiB), spilling beyond"
    )


def physical_memory() -> int:
    return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))


def cgroup_limit(
    root: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")
) -> int | None:
    """The tightest memory limit of this process's cgroup and its ancestors, or None."""
    found: list[int] = []
    for path in _limit_files(root, membership):
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.isdigit() and 0 < int(text) < _UNLIMITED:
            found.append(int(text))
    return min(found) if found else None


def _limit_files(root: Path, membership: Path) -> list[Path]:
    # The mount's own root first: inside a container that is the container's cgroup.
    files = [root / "memory.max", root / "memory" / "memory.limit_in_bytes"]
    try:
        lines = membership.read_text(encoding="utf-8").splitlines()
    except OSError:
        return files
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        if controllers == "":  # v2: "0::/path"
            base, name = root, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = root / controllers, "memory.limit_in_bytes"
        else:
            continue
        group_path = Path(group)
        for ancestor in (group_path, *group_path.parents):
            relative = str(ancestor).lstrip("/")
            files.append((base / relative if relative else base) / name)
    return files
