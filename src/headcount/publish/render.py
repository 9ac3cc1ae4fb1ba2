"""The publication's two files: figures.csv (every figure, one per line, withheld ones
marked) and publication.html (one self-contained, accessible page). Both are byte for byte
the same for the same inputs: nothing in them depends on the clock, the host or the path.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

import headcount
from headcount.contract.csvout import Cell, write_rows
from headcount.contract.ladder import RUNG_WORDS
from headcount.publish.suppress import Protection, Suppressed
from headcount.publish.tables import TOTAL, Key, Number, Publication, Rung, Table, Unit

CSV_COLUMNS = (
    "table", "title", "rung", "unit", "row_dimension", "row", "column_dimension", "column",
    "value", "status", "source",
)  # fmt: skip


def figure(unit: Unit, value: Number) -> Number:
    """A figure as figures.csv writes it: a whole count, or dollars with cents."""
    if unit is Unit.COUNT:
        return int(value)
    return Decimal(value).quantize(Decimal("0.01"))


def _shown(unit: Unit, value: Number) -> str:
    if unit is Unit.COUNT:
        return f"{int(value):,}"
    return f"${Decimal(value).quantize(Decimal('0.01')):,}"


def shown_difference(value: float) -> str:
    """Percentage points with two decimals and a true minus sign."""
    return f"{value:.2f}".replace("-", "\u2212")


def write_csv(publication: Publication, suppressed: Suppressed, path: Path) -> None:
    withheld = suppressed.withheld
    buffer = io.StringIO()

    def rows() -> list[list[Cell]]:
        out: list[list[Cell]] = []
        for t in publication.tables:
            for key in t.positions():
                hidden = key in withheld
                value = None if hidden else figure(t.unit, t.value(key[1], key[2]))
                out.append([
                    t.name, t.title, t.rung.value, t.unit.value, t.row_label, key[1],
                    t.column_label, key[2], value, "withheld" if hidden else "published",
                    t.source,
                ])  # fmt: skip
        for c in publication.comparisons:
            hidden = any(k in withheld for k in c.needs)
            for column, v in (("difference", c.estimate), ("ci_low", c.low), ("ci_high", c.high)):
                out.append([
                    f"{c.group}_difference", c.title, Rung.LEAD.value, "percentage points",
                    "agency", c.row, "figure", column,
                    None if hidden else Decimal(f"{v:.2f}"),
                    "withheld" if hidden else "published", c.source,
                ])  # fmt: skip
        return out

    write_rows(buffer, CSV_COLUMNS, rows())
    path.write_bytes(buffer.getvalue().encode("utf-8"))


@dataclass(frozen=True)
class ShownCell:
    text: str
    withheld: bool
    total: bool


@dataclass(frozen=True)
class ShownRow:
    label: str
    note: str
    total: bool
    cells: tuple[ShownCell, ...]


@dataclass(frozen=True)
class ShownTable:
    table: Table
    header: tuple[str, ...]
    rows: tuple[ShownRow, ...]
    withheld: int

    @property
    def anchor(self) -> str:
        return self.table.name.replace("_", "-")

    @property
    def rung_words(self) -> str:
        return RUNG_WORDS[self.table.rung]


def _cell(publication: Publication, table: Table, key: Key, withheld: frozenset[Key]) -> ShownCell:
    total = TOTAL in key[1:]
    if key in withheld:
        return ShownCell("withheld", True, total)
    value = table.value(key[1], key[2])
    text = _shown(table.unit, value)
    if table.share_of is not None:
        whole_key = (table.share_of, key[1], key[2])
        whole = publication.table(table.share_of).value(key[1], key[2])
        if whole_key not in withheld and whole:
            text += f" ({100 * Decimal(value) / Decimal(whole):.1f}%)"
    return ShownCell(text, False, total)


def shown_tables(publication: Publication, suppressed: Suppressed) -> list[ShownTable]:
    withheld = suppressed.withheld
    shown = []
    for t in publication.tables:
        header = tuple(t.columns_total if c == TOTAL else c for c in t.column_keys)
        rows = tuple(
            ShownRow(
                label=t.rows_total if r == TOTAL else r,
                note=t.row_notes.get(r, ""),
                total=r == TOTAL,
                cells=tuple(_cell(publication, t, t.key(r, c), withheld) for c in t.column_keys),
            )
            for r in t.row_keys
        )
        shown.append(ShownTable(t, header, rows, sum(k in withheld for k in t.positions())))
    return shown


@dataclass(frozen=True)
class ShownDifference:
    label: str
    total: bool
    withheld: bool
    estimate: str
    interval: str


@dataclass(frozen=True)
class ShownDifferences:
    title: str
    confidence: str
    rows: tuple[ShownDifference, ...]


@dataclass(frozen=True)
class ShownCampaign:
    tables: tuple[ShownTable, ...]
    difference: ShownDifferences | None


def shown_campaigns(
    publication: Publication, suppressed: Suppressed, tables: list[ShownTable]
) -> list[ShownCampaign]:
    """The non-response tables campaign by campaign, each with its rate comparison."""
    campaigns: dict[str, list[ShownTable]] = {}
    for s in tables:
        if s.table.group:
            campaigns.setdefault(s.table.group, []).append(s)
    shown = []
    for group, members in campaigns.items():
        mine = [c for c in publication.comparisons if c.group == group]
        rows = tuple(
            ShownDifference(
                label=c.row,
                total=c.row == "All agencies",
                withheld=any(k in suppressed.withheld for k in c.needs),
                estimate=shown_difference(c.estimate),
                interval=f"{shown_difference(c.low)} to {shown_difference(c.high)}",
            )
            for c in mine
        )
        difference = (
            ShownDifferences(mine[0].title, f"{100 * mine[0].confidence:.0f}%", rows)
            if mine
            else None
        )
        shown.append(ShownCampaign(tuple(members), difference))
    return shown


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("headcount.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _csp_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def render_html(
    publication: Publication, suppressed: Suppressed, protection: Protection, *, store: bool
) -> str:
    env = _environment()
    assert env.loader is not None
    css = env.loader.get_source(env, "publication.css")[0]
    tables = shown_tables(publication, suppressed)
    return env.get_template("publication.html.j2").render(
        csp=f"default-src 'none'; base-uri 'none'; form-action 'none'; style-src {_csp_hash(css)}",
        css=Markup(css),
        version=headcount.__version__,
        publication=publication,
        nonresponse=shown_campaigns(publication, suppressed, tables),
        ladder=[
            (
                rung,
                [s for s in tables if s.table.rung is rung and not s.table.group],
            )
            for rung in (Rung.LEAD, Rung.VERIFIED, Rung.DETERMINED, Rung.RECOVERED)
        ],
        store=store,
        threshold=protection.threshold,
        primary=len(suppressed.primary),
        complementary=len(suppressed.complementary),
        rung_words=RUNG_WORDS,
    )


def write_html(
    publication: Publication, suppressed: Suppressed, protection: Protection, path: Path, *,
    store: bool,
) -> None:  # fmt: skip
    path.write_bytes(render_html(publication, suppressed, protection, store=store).encode("utf-8"))
