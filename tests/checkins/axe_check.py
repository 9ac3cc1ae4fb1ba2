"""axe-core (WCAG 2.1 A/AA) on a Playwright page, and filling the reply form: shared by the
check-in browser tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE)
    violations: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)}))",
        WCAG,
    )
    return violations


def fill(page: Page, bullets: list[str]) -> None:
    for i in range(1, 6):
        page.get_by_label(f"Bullet {i}").fill(bullets[i - 1] if i <= len(bullets) else "")
