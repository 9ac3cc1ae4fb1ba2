"""A contest sent through the notice link: a statement and up to five attachments.

Attachments are kept in the database (no file path a name could steer), limited in number
and size, and accepted only when their first bytes say PDF, PNG or JPEG, or when they are
UTF-8 text; the name is reduced to safe characters. They are only ever served back as
downloads (`Content-Disposition: attachment`, `nosniff`), never rendered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from headcount.cases.access import CaseError
from headcount.cases.models import Attachment, Contest, Notice, State
from headcount.cases.workflow import clean_text, transition
from headcount.store.types import utcnow

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_STATEMENT = 20_000
MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def attachment_rules(held: int = 0) -> str:
    """The attachments a contest may still carry, in words (the letter and the form say
    it); `held` files are already kept for it (cases/held.py)."""
    room = MAX_FILES - held
    if room <= 0:
        return (
            f"no more files: {MAX_FILES} is the most a contest can carry; remove one to add another"
        )
    files = f"{room}{' more' if held else ''} file{'' if room == 1 else 's'}"
    each = f"each at most {MAX_FILE_BYTES // (1024 * 1024)} MB"
    return f"up to {files} (PDF, PNG, JPEG or plain text), {each}"


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for a type not accepted."""
    for magic, content_type, ext in MAGIC:
        if data.startswith(magic):
            return content_type, ext
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain", ".txt"


def safe_name(name: str, ext: str, number: int) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")[:100]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or f'attachment-{number}'}{ext}"


def display_name(name: str) -> str:
    """A chosen file's name as the person would recognise it (no folders), for messages."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:100]


def check_upload(upload: Upload, number: int, where: str | None = None) -> Attachment:
    """One file checked (not empty, not too large, a type accepted), as an Attachment;
    CaseError naming it (`where`, by default "attachment N") otherwise."""
    where = where or f"attachment {number}"
    if not upload.data:
        raise CaseError(f"{where} is empty")
    if len(upload.data) > MAX_FILE_BYTES:
        raise CaseError(f"{where} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    kind = sniff(upload.data)
    if kind is None:
        raise CaseError(f"{where} is not a PDF, PNG, JPEG or plain-text file")
    content_type, ext = kind
    return Attachment(
        filename=safe_name(upload.filename, ext, number), content_type=content_type,
        size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(), data=upload.data,
    )  # fmt: skip


def chosen(uploads: list[Upload]) -> list[Upload]:
    """The files actually chosen (a form with no file sends one empty, unnamed part)."""
    return [u for u in uploads if u.data or u.filename]


def check_uploads(uploads: list[Upload], kept: int = 0) -> list[Attachment]:
    files = chosen(uploads)
    if kept + len(files) > MAX_FILES:
        raise CaseError(f"at most {MAX_FILES} attachments; {kept + len(files)} were sent")
    return [check_upload(upload, number) for number, upload in enumerate(files, start=kept + 1)]


def can_contest(notice: Notice, now: datetime) -> bool:
    return now < notice.deadline and notice.case.state in (State.NOTICE_SENT, State.CONTESTED)


def period_over(notice: Notice) -> str:
    return (
        f"this notice could be contested until {notice.deadline:%Y-%m-%d %H:%M} UTC; the "
        "period has ended or the case has been decided"
    )


def submit_contest(
    session: Session, notice: Notice, statement: str, uploads: list[Upload], *,
    client: str | None = None, now: datetime | None = None, kept: list[Attachment] | None = None,
) -> Contest:  # fmt: skip
    """Record the person's contest; the case becomes (or stays) contested. `kept`: files
    already checked (held from an earlier, refused submit: cases/held.py), sent first."""
    now = now or utcnow()
    if not can_contest(notice, now):
        raise CaseError(period_over(notice))
    text = clean_text("Your statement", statement, limit=MAX_STATEMENT)
    contest = Contest(notice_id=notice.id, submitted_at=now, statement=text)
    kept = kept or []
    contest.attachments = [*kept, *check_uploads(uploads, kept=len(kept))]
    session.add(contest)
    session.flush()
    transition(
        session, notice.case, f"notice-link:{notice.id}", "contest", State.CONTESTED, now=now,
        note=f"statement from {notice.person.employee_id}; {len(contest.attachments)} attachment(s)",
        client=client, detail={"contest": contest.id, "attachments": len(contest.attachments)},
    )  # fmt: skip
    return contest
