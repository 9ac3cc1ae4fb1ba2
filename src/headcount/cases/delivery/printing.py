"""Letters by post: one PDF of every letter due for printing, and its manifest.

Due for printing: a queued letter whose reader has no work address or chose post, and a
letter whose email bounced. Each letter starts on a new sheet (a blank back page is added
after a letter of an odd number of pages, so duplex printing never puts two people's
letters on one sheet).

The manifest (`OUT` with `.manifest.csv` and `.manifest.json` for `.pdf`) says, for each
letter in the order printed: the batch, the letter id, the reference, the kind, the pages,
the recipient's employee id and agency. It holds no name, SSN, account, birth date or
address: the letter itself carries its reader's name, and headcount keeps no home address
at all (docs/cases.md, "Letters delivered"), so the mailroom addresses the envelope from
the agency's HR record of that employee id. File names are the batch's, never a person's.

The batch is written beside OUT and renamed into place; the letters are recorded as
`printed` in the same transaction, so a batch that failed to write leaves them queued.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from headcount.cases.access import Actor, CaseError, Forbidden
from headcount.cases.delivery.models import Channel, Letter, LetterKind, LetterState
from headcount.cases.delivery.record import change, workers_for_kind
from headcount.cases.models import Person
from headcount.contract.csvout import Cell, write_rows
from headcount.store.types import utcnow

MANIFEST_COLUMNS = (
    "batch", "sequence", "letter_id", "reference", "kind", "first_page", "last_page",
    "pages", "recipient_id", "agency",
)  # fmt: skip


@dataclass(frozen=True)
class Printed:
    batch: str
    pdf: Path
    manifest_csv: Path
    manifest_json: Path
    letters: int
    pages: int


def manifest_paths(out: Path) -> tuple[Path, Path]:
    stem = out.with_suffix("")
    return stem.with_name(stem.name + ".manifest.csv"), stem.with_name(stem.name + ".manifest.json")


def due_by_post(session: Session, actor: Actor, kinds: frozenset[LetterKind]) -> list[Letter]:
    query = (
        select(Letter)
        .join(Person, Person.id == Letter.person_id)
        .where(
            Letter.kind.in_([k.value for k in kinds]),
            or_(
                Letter.state == LetterState.BOUNCED.value,
                (Letter.state == LetterState.QUEUED.value)
                & (Person.by_post.is_(True) | Person.email.is_(None) | (Person.email == "")),
            ),
        )
        .order_by(Letter.id)
        .with_for_update(of=Letter)
    )  # fmt: skip
    return [
        letter
        for letter in session.scalars(query)
        if actor.sees(letter.person.agency)
        and actor.role in workers_for_kind(LetterKind(letter.kind))
    ]


def print_batch(
    session: Session, actor: Actor, out: Path, *,
    kinds: frozenset[LetterKind] = frozenset(LetterKind), now: datetime | None = None,
) -> Printed | None:  # fmt: skip
    """Write the batch of every letter due for printing to `out` (a .pdf), its manifest
    beside it, and record the letters as printed. None when no letter is due."""
    if not any(actor.role in workers_for_kind(k) for k in kinds):
        raise Forbidden(f"a {actor.role.value} may not print these letters")
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise CaseError(f"{out}: the print batch is a PDF file; name it with .pdf")
    if not out.parent.is_dir():
        raise CaseError(f"{out.parent}: no such folder")
    letters = due_by_post(session, actor, kinds)
    if not letters:
        return None
    now = now or utcnow()
    batch = f"batch-{now:%Y%m%dT%H%M%SZ}-{letters[0].id}"
    pdf, rows, pages = _render(letters, batch)
    csv_path, json_path = manifest_paths(out)
    for letter in letters:
        letter.channel, letter.printed_at, letter.batch = Channel.POST.value, now, batch
        change(session, letter, LetterState.PRINTED, actor=actor.username, now=now,
               how=f"printed in {batch}", client=actor.client)  # fmt: skip
    session.flush()
    _write_atomically(out, pdf)
    _write_atomically(json_path, json.dumps({"batch": batch, "letters": rows}, indent=2).encode())
    text = io.StringIO()
    write_rows(text, MANIFEST_COLUMNS, [[_cell(row[c]) for c in MANIFEST_COLUMNS] for row in rows])
    _write_atomically(csv_path, text.getvalue().encode())
    return Printed(batch, out, csv_path, json_path, len(letters), pages)


def _render(letters: list[Letter], batch: str) -> tuple[bytes, list[dict[str, object]], int]:
    """One PDF of the letters, each from its stored HTML, each starting on a new sheet."""
    from headcount.cases.letters import LettersNotInstalled

    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except ImportError as exc:
        raise LettersNotInstalled(exc) from None
    blank = HTML(string="<!doctype html><html lang='en'><title>blank</title><p></p></html>")
    blank_page = blank.render().pages[0]
    documents, rows, page = [], [], 0
    pages_all = []
    for sequence, letter in enumerate(letters, start=1):
        document = HTML(string=letter.html).render()
        documents.append(document)
        count = len(document.pages)
        rows.append({
            "batch": batch, "sequence": sequence, "letter_id": letter.id,
            "reference": letter.reference, "kind": letter.kind, "first_page": page + 1,
            "last_page": page + count, "pages": count,
            "recipient_id": letter.person.employee_id, "agency": letter.person.agency,
        })  # fmt: skip
        pages_all.extend(document.pages)
        page += count
        if count % 2:
            pages_all.append(blank_page)
            page += 1
    pdf: bytes = documents[0].copy(pages_all).write_pdf()
    return pdf, rows, page


def _cell(value: object) -> Cell:
    return value if isinstance(value, int) else str(value)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
