"""What every `headcount` command shares: the consoles, the exit codes, one way to fail, the
`--database` option and an open, migrated store.

Exit codes: 0 success; 1 an unexpected internal error; 2 bad input or bad usage; 130 and 143
interrupted (Ctrl-C, SIGTERM). Nothing here imports the store's libraries until a command
asks for the store, so `headcount --help` and `verify` start at once and run on the base
install.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from headcount.cli import signals
from headcount.store import ENV_URL

if TYPE_CHECKING:
    from headcount.audit.chain import Detail
    from headcount.store import Store

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

console = Console(soft_wrap=True)
errors = Console(stderr=True)

Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar=ENV_URL,
        show_envvar=True,
        help="SQLAlchemy URL of the store (sqlite:///headcount.db by default, or postgresql://…).",
    ),
]


def say_error(message: str) -> None:
    """One plain sentence on stderr. Escaped: messages quote user text and
    `headcount[web]`, which Rich would read as markup."""
    errors.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """One plain sentence on stderr and the exit code."""
    say_error(message)
    raise typer.Exit(code)


# The extra that brings each optional library (pyproject.toml's optional-dependencies).
EXTRA_OF_MODULE = {
    "sqlalchemy": "web", "alembic": "web", "fastapi": "web", "starlette": "web",
    "uvicorn": "web", "multipart": "web", "itsdangerous": "web", "argon2": "web",
    "psycopg": "postgres", "weasyprint": "letters", "pyspark": "spark",
}  # fmt: skip


def missing_extra(error: BaseException) -> str | None:
    """What to install, when `error` is the import of an extra's library that is not
    installed; None for any other error."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    extra = EXTRA_OF_MODULE.get(error.name.split(".", 1)[0])
    if extra is None:
        return None
    return (
        f"this command needs the '{extra}' extra, which is not installed "
        f"(missing module {error.name}): pip install 'headcount[{extra}]'"
    )


def record_change(
    store: Store, action: str, target_type: str, target_id: str, detail: Detail
) -> None:
    """An audit entry for a change made from a shell (the command's user is the actor)."""
    from headcount import audit

    with store.begin() as s:
        audit.record(
            s, actor=shell_actor(), action=action, target_type=target_type,
            target_id=target_id, detail=detail,
        )  # fmt: skip


def shell_actor() -> str:
    """Who the audit log names for a command run from a shell."""
    from headcount.audit.chain import local_actor

    return local_actor()


@contextmanager
def open_store(url: str | None) -> Iterator[Store]:
    """An open, migrated store; library errors become one sentence and exit status 2."""
    # Without the web extra these imports fail; main() names the extra to install.
    from headcount.checkins.campaigns import CampaignError
    from headcount.ingest import DatasetError
    from headcount.migrations import upgrade
    from headcount.store import Store, StoreError
    from headcount.store.db import check_connection

    try:
        store = Store.open(url)
        check_connection(store)
        upgrade(store)
    except StoreError as exc:
        fail(str(exc))
    try:
        yield store
    except (CampaignError, DatasetError, StoreError, ValueError) as exc:
        fail(str(exc))
    finally:
        store.close()


def _folder_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


@contextmanager
def explained_errors(out: Path | None = None) -> Iterator[None]:
    """Library exceptions become one plain sentence and an exit code, never a traceback.

    After Ctrl-C or SIGTERM any exception means the interruption (DuckDB turns it into its
    own error): one line, exit 130 or 143. OUT is replaced in one rename, so it was
    written exactly when the folder there is no longer the one that was there before.
    """
    from headcount.engine.spark_engine import SparkUnavailableError
    from headcount.ingest import DatasetError
    from headcount.provenance.files import ProvenanceError
    from headcount.report.outputs import OutputError
    from headcount.rules import RuleRegistryError

    before = _folder_id(out) if out is not None else None
    try:
        yield
    except BaseException as exc:
        if signals.received() is not None or isinstance(exc, KeyboardInterrupt):
            message = signals.word()
            if out is not None and _folder_id(out) == before:
                message += f"; nothing was written to {out}"
            elif out is not None:
                message += f" after {out} was written"
            signals.report(errors, message)
            raise typer.Exit(signals.exit_code()) from None
        if isinstance(exc, DatasetError | SparkUnavailableError | ProvenanceError):
            fail(f"{exc}\nNothing was written.")
        if isinstance(exc, OutputError | RuleRegistryError):
            fail(str(exc))
        if isinstance(exc, OSError):
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        raise
