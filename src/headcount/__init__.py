"""headcount: workforce check-ins and payee-by-payee payroll verification.

The library behind the `headcount` command, for use from Python::

    from headcount import generate_agency, verify

    generate_agency(Path("agency"), employees=2000, seed=1)   # a synthetic agency
    result = verify(Path("agency"), Path("results"))          # findings, payees, summary
    result.summary["findings"], result.report

`verify` raises `DatasetError` (unreadable input, nothing written) and `OutputError` (OUT is
not a results folder, or is, holds or lies in the dataset); `generate_agency` raises
`OutputError` for a folder that is not an earlier synthetic agency; `all_rules()` is the rule catalogue, plugins included. The names are
imported on first use, so `import headcount` (and `headcount --help`) stays instant.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from headcount.ingest import Dataset, DatasetError, load_dataset
    from headcount.pipeline.verify import VerifyResult, verify
    from headcount.report.outputs import OutputError
    from headcount.rules import Rule, Severity, all_rules
    from headcount.synth import SynthResult
    from headcount.synth import generate as generate_agency

# public name -> (module, attribute)
_PUBLIC = {
    "verify": ("headcount.pipeline.verify", "verify"),
    "VerifyResult": ("headcount.pipeline.verify", "VerifyResult"),
    "generate_agency": ("headcount.synth", "generate"),
    "SynthResult": ("headcount.synth", "SynthResult"),
    "load_dataset": ("headcount.ingest", "load_dataset"),
    "Dataset": ("headcount.ingest", "Dataset"),
    "DatasetError": ("headcount.ingest", "DatasetError"),
    "OutputError": ("headcount.report.outputs", "OutputError"),
    "all_rules": ("headcount.rules", "all_rules"),
    "Rule": ("headcount.rules", "Rule"),
    "Severity": ("headcount.rules", "Severity"),
}

__all__ = [
    "Dataset",
    "DatasetError",
    "OutputError",
    "Rule",
    "Severity",
    "SynthResult",
    "VerifyResult",
    "__version__",
    "all_rules",
    "generate_agency",
    "load_dataset",
    "verify",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'headcount' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
