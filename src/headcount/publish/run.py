"""`headcount publish`: aggregate figures from a results folder (and the case store), small
cells suppressed, written into OUT all at once or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from headcount.publish.render import write_csv, write_html
from headcount.publish.results import (
    PublishError,
    existence_tables,
    lead_tables,
    read_findings,
    read_summary,
    results_source,
)
from headcount.publish.store import OutcomeRecords, outcome_records, store_tables
from headcount.publish.suppress import Protection, Suppressed, suppress
from headcount.publish.tables import Publication, check_unique
from headcount.report.outputs import FolderKind, atomic_directory, check_output_folder

if TYPE_CHECKING:
    from headcount.store import Store

PUBLICATION = FolderKind(
    "a headcount publication folder",
    frozenset({"publication.html", "figures.csv"}),
    marker="figures.csv",
)


@dataclass(frozen=True)
class Published:
    out: Path
    tables: int
    figures: int
    suppressed: Suppressed


def read_store(store: Store) -> OutcomeRecords:
    with store.begin() as session:
        return outcome_records(session)


def build(results: Path, records: OutcomeRecords | None = None) -> Publication:
    """Every table of the publication, before suppression."""
    if not results.is_dir():
        raise PublishError(f"{results}: no such results folder")
    source = results_source(results)
    summary = read_summary(results)
    try:
        existence = existence_tables(summary, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PublishError(
            f"{results / 'summary.json'}: its existence block is not as verify writes it "
            f"({type(exc).__name__}: {exc})"
        ) from None
    relations = existence.relations
    tables = [*existence.tables, *lead_tables(read_findings(results, summary), source)]
    sources = [source]
    if records is not None:
        store_source = "case store" + (f", cases as of {records.as_of}" if records.as_of else "")
        more, linked = store_tables(records, store_source)
        tables += more
        relations += linked
        sources.append(store_source)
    check_unique(tables)
    return Publication(
        tuple(tables), tuple(relations), tuple(existence.comparisons), tuple(sources)
    )


def publish(
    results: Path, out: Path, *, store: Store | None = None, protection: Protection | None = None
) -> Published:
    """Write publication.html and figures.csv into OUT (replaced in one rename)."""
    protection = protection or Protection()
    check_output_folder(out, PUBLICATION, apart_from={"the results folder": results})
    records = read_store(store) if store is not None else None
    publication = build(results, records)
    suppressed = suppress(publication, protection)
    with atomic_directory(out, PUBLICATION) as tmp:
        write_csv(publication, suppressed, tmp / "figures.csv")
        write_html(
            publication, suppressed, protection, tmp / "publication.html", store=store is not None
        )
    figures = sum(1 for t in publication.tables for _ in t.positions())
    return Published(out, len(publication.tables), figures, suppressed)
