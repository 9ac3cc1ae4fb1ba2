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


def rate_bars(rates: list[Rate], label: str) -> Markup:
    rows = [r for r in rates if r.rate is not None]
    height = 28 * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 {height}" width="640" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for i, r in enumerate(rows):
        y = 5 + 28 * i
        pct = (r.rate or 0.0) * 100
        width = 400 * (r.rate or 0.0)
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="14">{escape(r.label[:22])}</text>'
            f'<rect x="170" y="{y + 3}" width="400" height="18" fill="{TRACK}"/>'
            f'<rect x="170" y="{y + 3}" width="{width:.1f}" height="18" fill="{BAR}">'
            f"<title>{escape(r.label)}: {pct:.1f}% ({r.replied:,} of {r.reached:,} reached)"
            "</title></rect>"
            f'<text x="578" y="{y + 17}" font-size="14">{pct:.0f}%</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def cumulative_line(points: list[tuple[str, int]], reached: int, label: str) -> Markup:
    width, height, left, bottom = 640, 220, 50, 30
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
        f'<text x="0" y="16" font-size="12">100%</text>'
        f'<text x="0" y="{10 + plot_h}" font-size="12">0%</text>'
        f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2"/>{dots}'
        f'<text x="{left}" y="{height - 8}" font-size="12">{first}</text>'
        f'<text x="{width - 10}" y="{height - 8}" font-size="12" text-anchor="end">{last}</text>'
        "</svg>"
    )
