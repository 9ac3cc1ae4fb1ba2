"""Files kept across a refused contest form, so the person does not have to choose them again.

A browser empties a file input when a form comes back refused. So when a contest is refused
(a missing statement, one bad file among good ones), every chosen file that passes the usual
checks (size, type, number: cases/contests.py) is held in `contest_held_uploads`, bound to
the notice, and listed on the re-shown form with a remove button. Held files are sent with
the contest once it is stored, and then removed; unsent ones expire after HOLD_FOR (never
later than the contest deadline) and are removed the next time the notice's form is used.
They are never reachable by a URL: the form names them by row id in its POST body only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from headcount.cases.access import CaseError
from headcount.cases.contests import (
    MAX_FILES,
    MAX_STATEMENT,
    Upload,
    can_contest,
    check_upload,
    chosen,
    display_name,
    period_over,
    submit_contest,
)
from headcount.cases.models import Attachment, Contest, HeldUpload, Notice
from headcount.cases.workflow import clean_text
from headcount.store.types import utcnow

HOLD_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Refused:
    """A contest not stored: `fields` maps a form field (statement, attachments) to what is
    wrong with it; `message` is a refusal about no one field (the period is over)."""

    fields: dict[str, str] = field(default_factory=dict)
    message: str = ""


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def held_files(session: Session, notice: Notice, now: datetime | None = None) -> list[HeldUpload]:
    """The files held for this notice, oldest first; expired ones are removed first."""
    now = now or utcnow()
    session.execute(delete(HeldUpload).where(HeldUpload.expires_at <= now))
    return list(
        session.scalars(
            select(HeldUpload).where(HeldUpload.notice_id == notice.id).order_by(HeldUpload.id)
        )
    )


def remove_held(session: Session, notice: Notice, held_id: int) -> str | None:
    """Remove one held file of this notice; its name, or None if there is no such file."""
    row = session.get(HeldUpload, held_id)
    if row is None or row.notice_id != notice.id:
        return None
    session.delete(row)
    session.flush()
    return row.filename


def hold(
    session: Session, notice: Notice, uploads: list[Upload], now: datetime | None = None
) -> str:
    """Hold each chosen file that passes its checks, as long as there is room; returns what
    is wrong with the others ("" when nothing is)."""
    now = now or utcnow()
    if not can_contest(notice, now):
        return ""
    kept = len(held_files(session, notice, now))
    problems: list[str] = []
    expires = min(now + HOLD_FOR, notice.deadline)
    for upload in chosen(uploads):
        name = display_name(upload.filename) or "A file without a name"
        if kept >= MAX_FILES:
            problems.append(
                f"{name} was not added: at most {MAX_FILES} documents can be sent; "
                "remove one to add another"
            )
            continue
        try:
            checked = check_upload(upload, kept + 1, where=name)
        except CaseError as exc:
            problems.append(str(exc))
            continue
        session.add(
            HeldUpload(
                notice_id=notice.id, held_at=now, expires_at=expires, filename=checked.filename,
                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                data=checked.data,
            )
        )  # fmt: skip
        kept += 1
    session.flush()
    # Each begins with the file's own name, kept as the person wrote it (not capitalised).
    return " ".join(p if p.endswith(".") else f"{p}." for p in problems)


def contest_or_hold(
    session: Session, notice: Notice, statement: str, uploads: list[Upload], *,
    client: str | None = None, now: datetime | None = None,
) -> Contest | Refused:  # fmt: skip
    """Store the contest with the held files and the new ones (the held rows are then
    removed), or, if anything is wrong, hold the good new files and say what is wrong.
    Returns rather than raises, so the caller's transaction keeps what was held."""
    now = now or utcnow()
    if not can_contest(notice, now):
        return Refused(message=sentence(period_over(notice)))
    fields: dict[str, str] = {}
    try:
        clean_text("Your statement", statement, limit=MAX_STATEMENT)
    except CaseError as exc:
        fields["statement"] = sentence(str(exc))
    held = held_files(session, notice, now)
    new = chosen(uploads)
    if not fields and len(held) + len(new) <= MAX_FILES and _all_good(new, len(held)):
        kept = [_attachment(row) for row in held]
        contest = submit_contest(session, notice, statement, new, client=client, now=now, kept=kept)
        session.execute(delete(HeldUpload).where(HeldUpload.notice_id == notice.id))
        return contest
    problems = hold(session, notice, new, now)
    if problems:
        fields["attachments"] = problems
    return Refused(fields=fields)


def _all_good(uploads: list[Upload], kept: int) -> bool:
    for number, upload in enumerate(uploads, start=kept + 1):
        try:
            check_upload(upload, number)
        except CaseError:
            return False  # hold() names each bad file
    return True


def _attachment(row: HeldUpload) -> Attachment:
    return Attachment(
        filename=row.filename, content_type=row.content_type, size=row.size, sha256=row.sha256,
        data=row.data,
    )  # fmt: skip
