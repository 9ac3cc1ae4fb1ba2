"""Entry point of the `headcount` console script: parse, call the library, explain errors.

Exit codes: 0 success; 1 an unexpected internal error; 2 bad input or bad usage (an
unreadable dataset, an OUT folder that is something else, a wrong option); 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM) — see cli/signals.py.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from headcount import __version__
from headcount.cli import signals
from headcount.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    console,
    errors,
    explained_errors,
    fail,
    missing_extra,
    say_error,
)
from headcount.cli.progress import RichProgress
from headcount.cli.render import print_verify_summary

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    help="headcount: verify that every paycheck has a real, living, current employee behind "
    "it, with evidence for every finding.\n\nExit codes: 0 success, 1 internal error, "
    "2 bad input or usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"headcount {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """headcount: evidence before claims."""


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class DeathsFormat(StrEnum):
    csv = "csv"
    dmf = "dmf"


def _memory_size(value: str | None) -> str | None:
    from headcount.engine.memory import parse_size

    if value is not None:
        try:
            parse_size(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def verify(
    dataset: Annotated[
        Path, typer.Argument(help="Folder with roster, payroll and optional files.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results folder to write (atomically).")],
    strict: Annotated[
        bool, typer.Option(help="Stop on any unreadable cell instead of reporting DATA_QUALITY.")
    ] = False,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            callback=_memory_size,
            help="DuckDB memory limit, e.g. 8GB; beyond it work spills to disk "
            "(default: 25% of physical memory or of the cgroup limit, whichever is less).",
        ),
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option(help="Where the rules run: embedded DuckDB, or Apache Spark (pyspark extra)."),
    ] = EngineName.duckdb,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            metavar="URL",
            help="Spark master for --engine spark, e.g. spark://host:7077 (default local[2]).",
        ),
    ] = None,
    spark_staging: Annotated[
        str | None,
        typer.Option(
            "--spark-staging",
            metavar="URI",
            help="Where a cluster's executors read the run's tables, e.g. s3a://bucket/tmp.",
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="DIR",
            help="Keep tables and results in DIR; the next run re-verifies only what changed "
            "(a new pay period appended to payroll.csv).",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, help="DuckDB threads (default: every core); results do not depend on it."
        ),
    ] = None,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            "--sign-key",
            metavar="FILE",
            help="Sign manifest.json with this Ed25519 private key (`headcount keys "
            "signing-pair`), into manifest.sig.",
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            metavar="FILE",
            help="Identity-resolution model kept by `headcount linkage fit`, reused while "
            "the roster stays close to it (with --state, give --model to keep one across runs).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            metavar="FILE",
            help="Analysts' must-link / cannot-link labels (CSV, `headcount linkage labels`) "
            "that DUPLICATE_PERSON honours.",
        ),
    ] = None,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Profile every DuckDB query after ingest: print the slowest with their rule "
            "or stage and plan (stderr), write them all to profile.json in OUT. DuckDB only.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or tables.")
    ] = False,
) -> None:
    """Verify a dataset: every rule, with evidence; writes findings, payees, summary, report
    and a manifest of every input and output."""
    from headcount.engine.profile import PROFILE_FILE, ProfileError
    from headcount.linkage.labels import LabelsError
    from headcount.linkage.persist import ModelFileError
    from headcount.pipeline.stateful.state import StateError
    from headcount.pipeline.verify import verify as run_verify

    if not dataset.is_dir():
        fail(f"{dataset}: no such dataset folder")
    if (spark_master or spark_staging) and engine != EngineName.spark:
        fail("--spark-master and --spark-staging need --engine spark")
    with explained_errors(out), RichProgress(errors, enabled=not quiet) as progress:
        try:
            result = run_verify(
                dataset,
                out,
                strict=strict,
                memory_limit=memory_limit,
                engine=engine.value,
                spark_master=spark_master,
                spark_staging=spark_staging,
                state=state,
                threads=threads,
                sign_key=sign_key,
                linkage_model=model,
                linkage_labels=labels,
                progress=progress,
                profile=profile,
            )
        except (StateError, LabelsError, ModelFileError, ProfileError) as exc:
            fail(f"{exc}\nNothing was written.")
    if result.profile is not None:
        from headcount.cli.profile_view import print_profile

        print_profile(errors, result.profile, str(result.out / PROFILE_FILE))
    if not quiet:
        print_verify_summary(console, result.summary, str(result.report))
    else:
        console.print(str(result.out))


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Folder to write the synthetic agency into.")],
    employees: Annotated[int, typer.Option(min=500, help="Roster size (at least 500).")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
    deaths_format: Annotated[
        DeathsFormat,
        typer.Option(help="Death records as deaths.csv or SSA's fixed-width deaths.dmf."),
    ] = DeathsFormat.csv,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Generate a seeded synthetic agency with planted cases and truth.json (no real data)."""
    from headcount.synth import generate

    with explained_errors(out), RichProgress(errors, enabled=not quiet) as progress:
        result = generate(
            out, employees, seed, deaths_format=deaths_format.value, progress=progress
        )
    console.print(
        f"Wrote {result.employees:,} employees and {result.payments:,} payments to "
        f"{result.out_dir} in {result.seconds:.1f} s; planted cases in {result.truth_path}."
    )


@app.command()
def demo(
    employees: Annotated[
        int, typer.Option(min=500, help="Roster size of the demo agency (at least 500).")
    ] = 5000,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo data and results go.")
    ] = Path("data/demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Generate a synthetic agency and verify it: the whole product in one command."""
    from headcount.pipeline.verify import verify as run_verify
    from headcount.synth import generate

    agency, results = directory / "agency", directory / "results"
    with explained_errors(), RichProgress(errors) as progress:
        made = generate(agency, employees, seed, progress=progress.prefixed("make"))
        result = run_verify(agency, results, progress=progress)
    console.print(
        f"Synthetic agency: {made.out_dir} ({made.employees:,} employees, "
        f"{made.payments:,} payments); planted truth in {made.truth_path}"
    )
    print_verify_summary(console, result.summary, str(result.report))


@app.command()
def rules(
    markdown: Annotated[bool, typer.Option(help="Print the rules reference as Markdown.")] = False,
) -> None:
    """List the rules: code, severity and what each flags."""
    from rich.table import Table

    from headcount.rules import all_rules
    from headcount.rules.docs import rules_markdown

    if markdown:
        sys.stdout.write(rules_markdown())
        return
    table = Table(show_lines=True)
    for column in ("rule", "severity", "what it flags", "amount at risk", "from"):
        table.add_column(column)
    for rule in all_rules():
        table.add_row(
            rule.code,
            " / ".join(s.value for s in rule.severities),
            rule.flags,
            rule.amount,
            rule.origin,
        )
    console.print(table)


def main() -> None:
    signals.install()  # again: `python -m headcount` and older console scripts start here
    try:
        app()
    except SystemExit as exc:
        if signals.received() is not None and exc.code not in (0, None):
            signals.report(errors, signals.word())
            sys.exit(signals.exit_code())
        raise
    except BaseException as exc:  # the last line of defence: say what happened, exit 1
        if signals.received() is not None or isinstance(exc, KeyboardInterrupt):
            signals.report(errors, signals.word())
            sys.exit(signals.exit_code())
        install = missing_extra(exc)
        if install is not None:
            say_error(install)
            sys.exit(EXIT_BAD_INPUT)
        errors.print(f"[bold red]Internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        errors.print("This is a bug in headcount; please report it with the command you ran.")
        sys.exit(EXIT_INTERNAL)


# Each group of commands lives in its own module; registered here so that they share the
# one console script.
from headcount.cli import campaign_cmds as _campaign_cmds  # noqa: E402

app.add_typer(_campaign_cmds.campaign_app, name="campaign")
app.command("serve")(_campaign_cmds.serve)

from headcount.cli import audit_cmds as _audit_cmds  # noqa: E402
from headcount.cli import users_cmds as _users_cmds  # noqa: E402

app.add_typer(_users_cmds.users_app, name="users")
app.add_typer(_audit_cmds.audit_app, name="audit")
from headcount.cli import cases_cmds as _cases_cmds  # noqa: E402
from headcount.cli import debts_cmds as _debts_cmds  # noqa: E402
from headcount.cli import keys_cmds as _keys_cmds  # noqa: E402
from headcount.cli import letters_cmds as _letters_cmds  # noqa: E402, F401  (cases/debts commands)

app.add_typer(_cases_cmds.cases_app, name="cases")
app.add_typer(_debts_cmds.debts_app, name="debts")
app.add_typer(_keys_cmds.keys_app, name="keys")
app.command("purge")(_keys_cmds.purge)
app.command("retention")(_keys_cmds.retention)

# Anyone can re-check a results folder.
from headcount.cli import provenance_cmds as _provenance_cmds  # noqa: E402

app.command("attest")(_provenance_cmds.attest)

# Identity resolution on its own.
from headcount.cli import linkage_cmds as _linkage_cmds  # noqa: E402

app.add_typer(_linkage_cmds.linkage_app, name="linkage")
app.command("reproduce")(_provenance_cmds.reproduce)
_keys_cmds.keys_app.command("signing-pair")(_provenance_cmds.signing_pair)

# Publishing figures safely.
from headcount.cli import publish_cmds as _publish_cmds  # noqa: E402

app.command("publish")(_publish_cmds.publish)

# What became of the leads: the outcome report.
from headcount.cli import outcomes_cmds as _outcomes_cmds  # noqa: E402

app.command("outcomes")(_outcomes_cmds.outcomes)
