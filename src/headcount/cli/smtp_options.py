"""The SMTP options `campaign send`, `remind` and `ingest-mail --notify` share, written once.

`@smtp_options` adds them to a command's signature, so Typer shows and parses them as
ordinary options, and hands the command one `smtp: SmtpOptions` instead of seven arguments.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from headcount.checkins.smtp import SmtpSettings


@dataclass(frozen=True)
class SmtpOptions:
    smtp_host: Annotated[
        str | None,
        typer.Option("--smtp-host", envvar="HEADCOUNT_SMTP_HOST", help="SMTP server."),
    ] = None
    smtp_port: Annotated[
        int | None,
        typer.Option("--smtp-port", envvar="HEADCOUNT_SMTP_PORT", help="SMTP port."),
    ] = None
    starttls: Annotated[
        bool | None,
        typer.Option(
            "--starttls/--no-starttls",
            envvar="HEADCOUNT_SMTP_STARTTLS",
            help="Upgrade with STARTTLS.",
        ),
    ] = None
    smtp_ssl: Annotated[
        bool | None,
        typer.Option(
            "--smtp-ssl", envvar="HEADCOUNT_SMTP_SSL", help="TLS from the start (port 465)."
        ),
    ] = None
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user",
            envvar="HEADCOUNT_SMTP_USERNAME",
            help="SMTP AUTH user; the password is read from $HEADCOUNT_SMTP_PASSWORD only.",
        ),
    ] = None
    sender: Annotated[
        str | None,
        typer.Option("--from", envvar="HEADCOUNT_SMTP_FROM", help="From address."),
    ] = None
    smtp_ca_file: Annotated[
        Path | None,
        typer.Option(
            "--smtp-ca-file", envvar="HEADCOUNT_SMTP_CA_FILE", help="CA certificate to trust."
        ),
    ] = None

    smtp_connections: Annotated[
        int | None,
        typer.Option(
            "--smtp-connections",
            envvar="HEADCOUNT_SMTP_CONNECTIONS",
            min=1,
            max=64,
            help="Connections to the server at once (default 4; ask the relay's limit).",
        ),
    ] = None

    def settings(self) -> SmtpSettings:
        """The settings to send with: these options over the HEADCOUNT_SMTP_* variables."""
        from headcount.checkins.smtp import SmtpSettings

        return SmtpSettings.from_env(
            host=self.smtp_host,
            port=self.smtp_port,
            starttls=self.starttls,
            implicit_tls=self.smtp_ssl,
            username=self.smtp_user,
            sender=self.sender,
            ca_file=str(self.smtp_ca_file) if self.smtp_ca_file else None,
            connections=self.smtp_connections,
        )


def smtp_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give `command` the SMTP options, delivered as its `smtp: SmtpOptions` argument."""
    hints = inspect.get_annotations(SmtpOptions, eval_str=True)
    added = [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                          annotation=hints[f.name])
        for f in fields(SmtpOptions)
    ]  # fmt: skip
    own = inspect.signature(command, eval_str=True)
    kept = [p for p in own.parameters.values() if p.name != "smtp"]

    @functools.wraps(command)
    def with_smtp(**kwargs: Any) -> None:
        smtp = SmtpOptions(**{f.name: kwargs.pop(f.name) for f in fields(SmtpOptions)})
        command(smtp=smtp, **kwargs)

    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept] + added
    with_smtp.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_smtp.__annotations__ = {p.name: p.annotation for p in parameters}
    del with_smtp.__wrapped__  # Typer must read the new signature, not the command's
    return with_smtp
