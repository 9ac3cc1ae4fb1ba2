"""Reports written by `headcount verify`: the self-contained report.html (and data exports)."""

from headcount.report.html import RuleInfo, render_report, write_report

__all__ = ["RuleInfo", "render_report", "write_report"]
