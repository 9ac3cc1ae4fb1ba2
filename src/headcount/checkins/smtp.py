"""One SMTP connection for the check-in mail, with a hook before each message's final dot.

A relay takes responsibility for a message when it answers the final "." (RFC 5321
4.1.1.4); a sender killed before writing that dot leaves nothing delivered, one killed after
it may have delivered the message without knowing. `Mailer.send` therefore calls
`before_dot` — where the caller records "sending" in its database — after the message's
text and before the dot. A caller that never sends again what it recorded as "sending" sends
nobody a second message, whenever it is killed.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses, parseaddr

from headcount.checkins.models import DeliveryStatus

# A line starting with "." is sent as ".." (RFC 5321 4.5.2 transparency).
_LEADING_DOT = re.compile(rb"(?m)^\.")
# An address written into MAIL/RCPT as is (RFC 5322 dot-atom characters, a host name);
# anything else is left to smtplib.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class NoReplyAfterDot(smtplib.SMTPServerDisconnected):
    """The connection failed after the message's final dot was written: the server may
    have accepted it, so it must not be sent again."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False  # TLS from the first byte (port 465)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "checkins@localhost"
    ca_file: str | None = None  # trust this CA (a private relay) instead of the system's
    timeout: float = 30.0
    connections: int = 4  # messages in flight at once, each on a connection of its own

    @classmethod
    def from_env(cls, **overrides: object) -> SmtpSettings:
        """HEADCOUNT_SMTP_* variables; explicit (non-None) overrides win. The password is
        read only from HEADCOUNT_SMTP_PASSWORD, so it never appears in a process listing."""
        env = os.environ
        values: dict[str, object] = {
            "host": env.get("HEADCOUNT_SMTP_HOST", "localhost"),
            "port": int(env.get("HEADCOUNT_SMTP_PORT", "25")),
            "starttls": env.get("HEADCOUNT_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            "implicit_tls": env.get("HEADCOUNT_SMTP_SSL", "") in ("1", "true", "yes"),
            "username": env.get("HEADCOUNT_SMTP_USERNAME") or None,
            "password": env.get("HEADCOUNT_SMTP_PASSWORD") or None,
            "sender": env.get("HEADCOUNT_SMTP_FROM", "checkins@localhost"),
            "ca_file": env.get("HEADCOUNT_SMTP_CA_FILE") or None,
            "connections": int(env.get("HEADCOUNT_SMTP_CONNECTIONS", "4")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def envelope_sender(self) -> str:
        """The bare address of `sender` (which may carry a display name)."""
        return parseaddr(self.sender)[1] or self.sender


class Mailer:
    """One SMTP connection, opened lazily and reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._sender = settings.envelope_sender  # parsed once: the email package is slow
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.implicit_tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.tls_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=s.tls_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        smtp.ehlo_or_helo_if_needed()
        # The final dot goes out as a write of its own after the text: without NODELAY,
        # Nagle's algorithm holds it until the text is acknowledged (40 ms a message).
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    def send(self, to: str, data: bytes, before_dot: Callable[[], None] | None = None) -> None:
        """Send `data` (a whole message, CRLF line ends) to one address. Raises the
        smtplib error of a refusal; `before_dot` runs once the text is sent, and if it
        raises the connection is dropped without the dot, so nothing is delivered. A caller
        that recorded "sending" before calling passes none: text and dot go in one write.
        A connection lost after the dot raises NoReplyAfterDot: the message may have been
        delivered, so it must not be sent again."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            smtp = self._smtp
            self._envelope(smtp, to)
            body = _LEADING_DOT.sub(b"..", data) if b"\n." in data or data[:1] == b"." else data
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            if before_dot is not None:
                smtp.send(body)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise
        if before_dot is not None:
            try:
                before_dot()
            except BaseException:
                self.abort()
                raise
            body = b""
        try:
            smtp.send(body + b".\r\n")
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise
        try:
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise NoReplyAfterDot(str(exc)) from exc
        if code != 250:
            raise smtplib.SMTPDataError(code, text)

    def _envelope(self, smtp: smtplib.SMTP, to: str) -> None:
        """MAIL, RCPT and DATA, up to the server's 354. A plain ASCII address gets the
        commands written here (smtplib parses each address with the email package, a tenth
        of a message's CPU), in one write when the server offers PIPELINING (RFC 2920);
        anything else goes through smtplib as before."""
        sender = self._sender
        if not (_PLAIN_ADDRESS.fullmatch(to) and _PLAIN_ADDRESS.fullmatch(sender)):
            options = [] if to.isascii() else ["SMTPUTF8", "BODY=8BITMIME"]
            replies = [smtp.mail(sender, options)]
            if replies[0][0] == 250:
                replies.append(smtp.rcpt(to))
                if replies[1][0] in (250, 251):
                    replies.append(smtp.docmd("DATA"))
        elif smtp.has_extn("pipelining"):
            smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{to}>\r\nDATA\r\n".encode("ascii"))
            replies = [smtp.getreply(), smtp.getreply(), smtp.getreply()]
        else:
            replies = [smtp.docmd("MAIL", f"FROM:<{sender}>")]
            if replies[0][0] == 250:
                replies.append(smtp.docmd("RCPT", f"TO:<{to}>"))
                if replies[1][0] in (250, 251):
                    replies.append(smtp.docmd("DATA"))
        (mail_code, mail_text), *rest = replies
        if mail_code != 250:
            self._refused(replies)
            raise smtplib.SMTPSenderRefused(mail_code, mail_text, sender)
        rcpt_code, rcpt_text = rest[0]
        if rcpt_code not in (250, 251):
            self._refused(replies)
            raise smtplib.SMTPRecipientsRefused({to: (rcpt_code, rcpt_text)})
        data_code, data_text = rest[1]
        if data_code != 354:
            self._refused(replies)
            raise smtplib.SMTPDataError(data_code, data_text)

    def _refused(self, replies: list[tuple[int, bytes]]) -> None:
        """Leave the refused transaction. A pipelined DATA the server took despite a refusal
        before it (it should not: RFC 2920) cannot be ended without sending a message: the
        connection is dropped instead."""
        if len(replies) == 3 and replies[2][0] == 354:
            self.abort()
        else:
            self._reset()

    def send_message(self, message: EmailMessage) -> None:
        to = [address for _, address in getaddresses([str(message["To"])]) if address]
        if len(to) != 1:
            raise ValueError("a check-in message goes to exactly one address")
        self.send(to[0], message.as_bytes(policy=SMTP))

    def _reset(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.rset()

    def abort(self) -> None:
        """Drop the connection mid-message: the server discards what it was sent."""
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None


class MailerPool:
    """One SMTP connection per sending thread."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._all: list[Mailer] = []
        self._lock = threading.Lock()

    def mine(self) -> Mailer:
        mailer: Mailer | None = getattr(self._local, "mailer", None)
        if mailer is None:
            mailer = self._local.mailer = Mailer(self.settings)
            with self._lock:
                self._all.append(mailer)
        return mailer

    def close(self) -> None:
        for mailer in self._all:
            mailer.close()


@dataclass(frozen=True)
class Failure:
    what: str  # the SMTP error class and code: never the address or the message
    retry_now: bool
    status: DeliveryStatus  # deferred or bounced_hard
    connection: bool = False  # no server to talk to (rather than this message refused)


def describe(exc: BaseException) -> Failure:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        permanent = all(c >= 500 for c in codes)
        status = DeliveryStatus.BOUNCED_HARD if permanent else DeliveryStatus.DEFERRED
        return Failure(f"recipient refused ({', '.join(map(str, codes))})", not permanent, status)
    if isinstance(exc, smtplib.SMTPResponseException):
        # A refused sender or message is this side's problem, not the address's: deferred.
        # Refused credentials are as good as no server: every message would meet them.
        return Failure(
            f"{type(exc).__name__} {exc.smtp_code}",
            exc.smtp_code < 500,
            DeliveryStatus.DEFERRED,
            connection=isinstance(exc, smtplib.SMTPAuthenticationError),
        )
    return Failure(type(exc).__name__, True, DeliveryStatus.DEFERRED, connection=True)
