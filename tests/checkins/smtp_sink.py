"""A real SMTP server in-process (aiosmtpd) that keeps what it receives, for the tests.

It can refuse chosen recipients (permanently with 550, or temporarily with 451 for a number
of tries), can offer PIPELINING (RFC 2920: aiosmtpd reads commands in order, so it serves a
pipelined client; it just does not say so unless asked), and can require STARTTLS and AUTH
with a throw-away self-signed certificate.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Sink:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: dict[str, list[int]] = field(default_factory=dict)  # address -> [code, times left]
    raw: list[bytes] = field(default_factory=list)  # each message exactly as received
    pipelining: bool = False
    greeted: list[str] = field(default_factory=list)  # the EHLO names, one per connection

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.greeted.append(hostname)
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        rule = self.refuse.get(address)
        if rule and rule[1] > 0:
            rule[1] -= 1
            return f"{rule[0]} refused by the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.raw.append(bytes(envelope.original_content or envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def smtp_server(
    tls_folder: Path | None = None,
    credentials: tuple[str, str] | None = None,
    pipelining: bool = False,
) -> Iterator[tuple[Sink, int, Path | None]]:
    """(sink, port, CA file or None). With tls_folder: STARTTLS required; with credentials:
    AUTH required (after STARTTLS); with pipelining, PIPELINING offered."""
    sink = Sink(pipelining=pipelining)
    port = free_port()
    options: dict[str, Any] = {}
    cert: Path | None = None
    if tls_folder is not None:
        cert, key = self_signed(tls_folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options.update(tls_context=context, require_starttls=True)
    if credentials is not None:

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == credentials
            )
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=authenticator, auth_required=True)
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield sink, port, cert
    finally:
        controller.stop()
