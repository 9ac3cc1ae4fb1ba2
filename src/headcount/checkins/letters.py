"""Staff without a work email: a printed letter per person, with a short code, the address
of the page where it is typed, and a QR code of that address.

The code is 10 characters from an alphabet without look-alikes (about 49 bits), printed as
two groups of five. Only an HMAC of it is stored, keyed by the link-signing secret, so a
copy of the database gives no usable code. Typing it on the public page spends it (one
conditional UPDATE, like a link) and opens the same check-in session a link opens. Wrong
codes are counted per client address; after ATTEMPTS in WINDOW that client is refused
until the window passes. Every refusal reads the same, so the page never says whether a
code exists, was used, or whose it is.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from sqlalchemy import exists, func, select, update

from headcount.checkins.campaigns import CampaignError, get_campaign, not_exempt_filter
from headcount.checkins.messages import deadline_text
from headcount.checkins.models import CodeAttempt, LetterCode, Recipient, Reply
from headcount.checkins.policy import policy_statement
from headcount.i18n import N_, SOURCE, gettext, install_jinja, negotiate, translations
from headcount.store import Store, utcnow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L or U, which are misread
LENGTH = 10
CODE_PATH = "/code"
ATTEMPTS = 10
WINDOW = timedelta(minutes=15)


class CodeError(Exception):
    """A code that cannot be used. `reason` is invalid or throttled."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "invalid": N_(
            "That code does not work. Check it against your letter: each code works once, "
            "until the deadline. If it still does not work, ask for a new letter."
        ),
        "throttled": N_(
            "Too many codes that did not work were typed here. Wait 15 minutes and try again."
        ),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])

    def text(self, lang: str | None = None) -> str:
        return translations(lang).gettext(self.MESSAGES[self.reason])


@dataclass(frozen=True)
class Letter:
    name: str
    agency: str
    policy: str
    question: str
    title: str
    deadline: str
    code: str  # as printed: ABCDE-FGHJK
    url: str
    language: str = SOURCE  # the letter's language (headcount.i18n)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def printed(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise(typed: str) -> str | None:
    """The code as typed (any case, with spaces or dashes), or None if it cannot be one."""
    code = "".join(c for c in typed.upper() if c not in " -\t")
    return code if len(code) == LENGTH and all(c in ALPHABET for c in code) else None


def code_hash(secret: bytes, code: str) -> str:
    return hmac.new(secret, b"letter-code:" + code.encode(), hashlib.sha256).hexdigest()


def issue_letters(store: Store, campaign_id: str, secret: bytes, base_url: str) -> list[Letter]:
    """A letter for everyone asked who has no work email, no reply and no unspent code yet."""
    url = f"{base_url.rstrip('/')}{CODE_PATH}"
    letters: list[Letter] = []
    with store.begin() as session:
        campaign = get_campaign(session, campaign_id)
        if campaign.deadline <= utcnow():
            raise CampaignError(f"campaign {campaign_id!r} is past its deadline")
        policies = {a.agency: a.policy for a in campaign.agencies}
        unspent = exists().where(
            LetterCode.recipient_id == Recipient.id, LetterCode.used_at.is_(None)
        )
        people = session.scalars(
            select(Recipient)
            .where(
                *not_exempt_filter(campaign_id),
                Recipient.work_email.is_(None),
                ~exists().where(Reply.recipient_id == Recipient.id),
                ~unspent,
            )
            .order_by(Recipient.agency, Recipient.org_code, Recipient.last_name)
        ).all()
        for person in people:
            code, lang = new_code(), negotiate(person.language)
            session.add(
                LetterCode(
                    code_hash=code_hash(secret, code),
                    recipient_id=person.id,
                    expires_at=campaign.deadline,
                )
            )
            letters.append(
                Letter(
                    name=f"{person.first_name} {person.last_name}".strip(),
                    agency=person.agency,
                    policy=policy_statement(policies[person.agency], person.agency, lang),
                    question=gettext(lang, campaign.question),
                    title=gettext(lang, campaign.title),
                    deadline=deadline_text(campaign.deadline, lang),
                    code=printed(code),
                    # The page opens in the letter's language (the address names only that).
                    url=url if lang == SOURCE else f"{url}?lang={lang}",
                    language=lang,
                )
            )
    return letters


def render_letters(letters: list[Letter], out: Path) -> None:
    """One printable HTML document, a page per letter, written readable by its owner only
    (it holds names and live codes)."""
    import segno
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(
        loader=PackageLoader("headcount.checkins", "templates"),
        autoescape=select_autoescape(default=True),
    )
    install_jinja(env)
    qr = {
        (url, lang): Markup(
            segno.make(url, error="m").svg_inline(
                scale=4, title=translations(lang).gettext("QR code for {url}").format(url=url)
            )
        )
        for url, lang in {(letter.url, letter.language) for letter in letters}
    }
    one = env.get_template("letter.html.j2")
    sections = [
        Markup(one.render(l=letter, qr=qr[letter.url, letter.language], lang=letter.language))
        for letter in letters
    ]
    # The document's own language is the one most of its letters are in.
    lang = (
        Counter(letter.language for letter in letters).most_common(1)[0][0] if letters else SOURCE
    )
    page = env.get_template("letters.html.j2").render(sections=sections, lang=lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(page)


def redeem_code(
    store: Store, secret: bytes, typed: str, client: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """Spend a typed code and open a check-in session: (session secret, its expiry).
    Raises CodeError; a wrong code is counted against `client` first."""
    from headcount.checkins.sessions import open_session

    now = now or utcnow()
    code = normalise(typed)
    digest = code_hash(secret, code) if code else ""
    with store.begin() as session:
        recent = session.scalar(
            select(func.count())
            .select_from(CodeAttempt)
            .where(CodeAttempt.client == client, CodeAttempt.at > now - WINDOW)
        )
        if (recent or 0) >= ATTEMPTS:
            raise CodeError("throttled")
        spent = session.execute(
            update(LetterCode)
            .where(
                LetterCode.code_hash == digest,
                LetterCode.used_at.is_(None),
                LetterCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        row = session.get(LetterCode, digest) if spent.rowcount == 1 else None  # type: ignore[attr-defined]
        if row is None:
            session.add(CodeAttempt(client=client, at=now))
        else:
            return open_session(session, row.recipient_id, row.expires_at), row.expires_at
    raise CodeError("invalid")
