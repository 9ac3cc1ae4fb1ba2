"""Small inline SVG charts for the HTML report.

Drawn in Python rather than by a charting library or script so the report stays one
self-contained file that needs no network and no JavaScript, and prints as it looks on screen.
Every chart is an `<svg role="img">` with an aria-label and a `<title>`, shows its values as
visible text next to the bars, and the report pairs it with a data table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Fill colours chosen for at least 4.5:1 contrast against white, so they also carry white
# badge text in the page and stay distinguishable when printed in greyscale (dark to light).
SEVERITY_COLOURS: Mapping[str, str] = {
    "high": "#9b1c1c",
    "medium": "#b45309",
    "low": "#1d4ed8",
    "info": "#4b5563",
}
STATUS_COLOURS: Mapping[str, str] = {
    "verified": "#166534",
    "review": "#b45309",
    "flagged": "#9b1c1c",
}
MONEY_COLOUR = "#1e3a5f"

# Labels are drawn in a monospace face so their width can be known without a browser.
_CHAR_W = 7.3  # px per character at 12px monospace (slightly generous)
_VALUE_CHAR_W = 7.0  # px per character at 12px sans-serif digits
_ROW_H = 26
_BAR_H = 16
_LEGEND_H = 30
_WIDTH = 760


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a label, values per segment key, and the text after the bar."""

    label: str
    segments: Mapping[str, float]
    value_label: str


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def _legend(keys: Sequence[str], colours: Mapping[str, str], labels: Mapping[str, str]) -> str:
    parts: list[str] = []
    x = 0.0
    for key in keys:
        text = labels.get(key, key)
        parts.append(
            f'<rect x="{_fmt(x)}" y="6" width="12" height="12" fill="{escape(colours[key])}"/>'
            f'<text x="{_fmt(x + 17)}" y="16" class="chart-legend">{escape(text)}</text>'
        )
        x += 17 + len(text) * _VALUE_CHAR_W + 18
    return f'<g aria-hidden="true">{"".join(parts)}</g>'


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    keys: Sequence[str],
    colours: Mapping[str, str],
    key_labels: Mapping[str, str] | None = None,
    legend: bool = True,
) -> Markup:
    """A horizontal bar chart; bars with several segment keys are stacked in `keys` order.

    `title` becomes the accessible name (aria-label and `<title>`), `description` the `<desc>`:
    it should state the figures in words, since a screen reader does not read the bars.
    """
    labels = dict(key_labels or {})
    label_w = max((len(b.label) for b in bars), default=4) * _CHAR_W + 12
    value_w = max((len(b.value_label) for b in bars), default=4) * _VALUE_CHAR_W + 14
    plot_w = max(_WIDTH - label_w - value_w, 120.0)
    width = label_w + plot_w + value_w
    top = _LEGEND_H if legend else 6
    height = top + max(len(bars), 1) * _ROW_H + 6
    total_max = max((sum(max(v, 0.0) for v in b.segments.values()) for b in bars), default=0.0)
    scale = plot_w / total_max if total_max > 0 else 0.0

    rows: list[str] = []
    for i, bar in enumerate(bars):
        y = top + i * _ROW_H
        bar_y = y + (_ROW_H - _BAR_H) / 2
        rows.append(
            f'<text x="{_fmt(label_w - 8)}" y="{_fmt(y + _ROW_H / 2 + 4)}" text-anchor="end" '
            f'class="chart-label">{escape(bar.label)}</text>'
        )
        x = label_w
        for key in keys:
            value = max(bar.segments.get(key, 0.0), 0.0)
            if value <= 0:
                continue
            # Keep a sliver visible for tiny non-zero values so no category silently vanishes.
            w = max(value * scale, 2.0)
            tip = f"{bar.label}: {labels.get(key, key)} {_fmt(value)}" if len(keys) > 1 else ""
            tip_el = f"<title>{escape(tip)}</title>" if tip else ""
            # A white edge keeps neighbouring segments apart in greyscale print.
            sep = ' stroke="#fff" stroke-width="1"' if len(keys) > 1 else ""
            rows.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(bar_y)}" width="{_fmt(w)}" '
                f'height="{_BAR_H}" fill="{escape(colours[key])}"{sep}>{tip_el}</rect>'
            )
            x += w
        rows.append(
            f'<text x="{_fmt(x + 6)}" y="{_fmt(y + _ROW_H / 2 + 4)}" '
            f'class="chart-value">{escape(bar.value_label)}</text>'
        )
    if not bars:
        rows.append(f'<text x="0" y="{top + 16}" class="chart-value">Nothing to show.</text>')

    legend_svg = _legend(keys, colours, labels) if legend and bars else ""
    svg = (
        f'<svg class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-label="{escape(title)}" aria-describedby="{escape(chart_id)}-desc" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}">'
        f"<title>{escape(title)}</title>"
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        f"{legend_svg}{''.join(rows)}</svg>"
    )
    return Markup(svg)


def findings_by_rule(rules: Sequence[tuple[str, Mapping[str, int]]]) -> Markup:
    """Findings per rule (code, count by severity), stacked high to info."""
    keys = [s for s in SEVERITY_COLOURS if any(sev.get(s) for _, sev in rules)]
    totals = [sum(sev.get(s, 0) for s in keys) for _, sev in rules]
    words = "; ".join(
        f"{code}: {total:,} (" + ", ".join(f"{sev[s]:,} {s}" for s in keys if sev.get(s)) + ")"
        for (code, sev), total in zip(rules, totals, strict=True)
    )
    return bar_chart(
        chart_id="chart-findings-by-rule",
        title="Findings by rule, stacked by severity",
        description=f"Number of findings per rule. {words}.",
        bars=[
            Bar(code, {s: float(sev.get(s, 0)) for s in keys}, f"{total:,}")
            for (code, sev), total in zip(rules, totals, strict=True)
        ],
        keys=keys,
        colours=SEVERITY_COLOURS,
    )


def amount_by_rule(amounts: Sequence[tuple[str, float, str]]) -> Markup:
    """Dollars at risk per rule: (code, dollars, dollars as text)."""
    return bar_chart(
        chart_id="chart-amount-by-rule",
        title="Dollars at risk by rule",
        description="Dollars at risk per rule. "
        + "; ".join(f"{code}: {text}" for code, _, text in amounts)
        + ".",
        bars=[Bar(code, {"amount": value}, text) for code, value, text in amounts],
        keys=["amount"],
        colours={"amount": MONEY_COLOUR},
        legend=False,
    )


def payees_by_status(counts: Sequence[tuple[str, int, str]]) -> Markup:
    """Payees per status: (status, count, count as text); bars take the status colours."""
    return bar_chart(
        chart_id="chart-payees-by-status",
        title="Payees by status",
        description="Payees by verification status. "
        + "; ".join(f"{status}: {text}" for status, _, text in counts)
        + ".",
        bars=[Bar(status, {status: float(n)}, text) for status, n, text in counts],
        keys=[status for status, _, _ in counts],
        colours=STATUS_COLOURS,
        legend=False,
    )


WEIGHT_FOR = "#166534"  # a comparison that makes one person more likely
WEIGHT_AGAINST = "#9b1c1c"
WEIGHT_TOTAL = MONEY_COLOUR
_STEP_W = 560.0


@dataclass(frozen=True)
class Step:
    """One bar of a match-weight waterfall: a label and its log2 Bayes factor."""

    label: str
    weight: float


def _pct(p: float) -> str:
    """Probabilities near certainty read as such, not as a rounded 100%."""
    return "over 99.99%" if p > 0.9999 else f"{100 * p:.2f}%"


def _signed(x: float) -> str:
    return f"{x:+.1f}"


def waterfall(
    *, chart_id: str, title: str, prior: float, steps: Sequence[Step], probability: float
) -> Markup:
    """How one pair's match weight is built: the prior, then each comparison's log2 Bayes
    factor stacked on the running total, then the total and its match probability.

    Bars for evidence go right (green), against go left (red); the last bar is the total.
    """
    total = prior + sum(s.weight for s in steps)
    rows = [
        ("prior (before comparing)", 0.0, prior, "prior"),
        *((s.label, 0.0, s.weight, "step") for s in steps),
    ]
    # Running start of each bar: the total before that step.
    bars: list[tuple[str, float, float, str]] = []
    running = 0.0
    for label, _, weight, kind in rows:
        bars.append((label, running, running + weight, kind))
        running += weight
    bars.append((f"match weight (probability {_pct(probability)})", 0.0, total, "total"))
    points = [0.0, *(b[1] for b in bars), *(b[2] for b in bars)]
    lo, hi = min(points), max(points)
    span = max(hi - lo, 1.0)
    label_w = max(len(b[0]) for b in bars) * _CHAR_W + 12
    value_w = 60.0
    width = label_w + _STEP_W + value_w
    height = 6 + len(bars) * _ROW_H + 22

    def x(v: float) -> float:
        return label_w + (v - lo) / span * _STEP_W

    parts: list[str] = []
    zero = x(0.0)
    parts.append(
        f'<line x1="{_fmt(zero)}" y1="4" x2="{_fmt(zero)}" y2="{_fmt(height - 20)}" '
        'stroke="#4a4f55" stroke-dasharray="3 3"/>'
        f'<text x="{_fmt(zero)}" y="{_fmt(height - 6)}" text-anchor="middle" '
        'class="chart-legend">0 (even odds)</text>'
    )
    for i, (label, start, end, kind) in enumerate(bars):
        y = 6 + i * _ROW_H
        bar_y = y + (_ROW_H - _BAR_H) / 2
        left, right = sorted((x(start), x(end)))
        w = max(right - left, 2.0)
        weight = end - start
        colour = WEIGHT_TOTAL if kind == "total" else WEIGHT_FOR if weight >= 0 else WEIGHT_AGAINST
        parts.append(
            f'<text x="{_fmt(label_w - 8)}" y="{_fmt(y + _ROW_H / 2 + 4)}" text-anchor="end" '
            f'class="chart-label">{escape(label)}</text>'
            f'<rect x="{_fmt(left)}" y="{_fmt(bar_y)}" width="{_fmt(w)}" height="{_BAR_H}" '
            f'fill="{colour}"><title>{escape(label)}: {_signed(weight)}</title></rect>'
            f'<text x="{_fmt(max(left, right) + 6)}" y="{_fmt(y + _ROW_H / 2 + 4)}" '
            f'class="chart-value">{_signed(weight)}</text>'
        )
    words = "; ".join(f"{s.label} {_signed(s.weight)}" for s in steps)
    description = (
        f"Match weight in log2 units: prior {_signed(prior)}; {words}; total {_signed(total)}, "
        f"a match probability of {_pct(probability)}."
    )
    svg = (
        f'<svg class="chart waterfall" id="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{escape(chart_id)}-desc" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}">'
        f"<title>{escape(title)}</title>"
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        f"{''.join(parts)}</svg>"
    )
    return Markup(svg)
