"""Server-side SVG charts for the dashboard: no script, no CDN, readable without colour.

Every chart has a text alternative (role="img" with aria-label) and sits beside a table
with the same numbers, which is what a screen reader uses.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from headcount.checkins.stats import Rate

BAR = "#1f5f99"
TRACK = "#e4e9ef"


# Drawn at most WIDTH px wide and scaled down to the column below it: at 15px the text is
# still about 13px on a 390px phone. Each label sits on its own line above its bar, so a
# long organisation name is never cut.
WIDTH = 400
FONT = 15


def percent(rate: float) -> str:
    """As the tables print it (one decimal), so a bar never says 0% beside a table's 0.1%."""
    return f"{rate * 100:.1f}%"


def rate_bars(rates: list[Rate], label: str) -> Markup:
    rows = [r for r in rates if r.rate is not None]
    row_h = 46
    height = row_h * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for i, r in enumerate(rows):
        y = row_h * i
        rate = r.rate or 0.0
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="{FONT}">{escape(r.label[:48])}</text>'
            f'<rect x="0" y="{y + 22}" width="320" height="18" fill="{TRACK}"/>'
            f'<rect x="0" y="{y + 22}" width="{320 * rate:.1f}" height="18" fill="{BAR}">'
            f"<title>{escape(r.label)}: {percent(rate)} ({r.replied:,} of {r.reached:,} reached)</title>"
            f'</rect><text x="{WIDTH}" y="{y + 37}" font-size="{FONT}" text-anchor="end">'
            f"{percent(rate)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def cumulative_line(points: list[tuple[str, int]], reached: int, label: str) -> Markup:
    width, height, left, bottom = WIDTH, 240, 52, 30
    if not points or not reached:
        return Markup("")
    plot_w, plot_h = width - left - 10, height - bottom - 10
    step = plot_w / max(len(points) - 1, 1)
    xy = [
        (left + i * step, 10 + plot_h * (1 - min(n / reached, 1.0)))
        for i, (_, n) in enumerate(points)
    ]
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    # Markers keep a campaign with replies in only one or two hours visible.
    dots = (
        "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"><title>{escape(h)}: '
            f"{n:,} replies</title></circle>"
            for (x, y), (h, n) in zip(xy, points, strict=True)
        )
        if len(points) <= 72
        else ""
    )
    first, last = escape(points[0][0]), escape(points[-1][0])
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" stroke="#555"/>'
        f'<line x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}" stroke="#555"/>'
        f'<text x="0" y="16" font-size="{FONT}">100%</text>'
        f'<text x="0" y="{10 + plot_h}" font-size="{FONT}">0%</text>'
        f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2"/>{dots}'
        f'<text x="{left}" y="{height - 8}" font-size="{FONT}">{first}</text>'
        f'<text x="{width - 10}" y="{height - 8}" font-size="{FONT}" text-anchor="end">{last}</text>'
        "</svg>"
    )
