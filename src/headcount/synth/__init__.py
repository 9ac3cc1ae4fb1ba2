"""Seeded synthetic agency: roster, payroll, deaths, check-ins and activity with planted cases.

`generate(out_dir, employees, seed)` writes a dataset in the data-contract format plus a
truth.json listing every planted anomaly and look-alike, for end-to-end verification.
"""

from headcount.synth.api import SynthResult, generate

__all__ = ["SynthResult", "generate"]
