"""`headcount linkage fit | explain | accuracy`: the identity-resolution model on its own.
Registered by cli/app.py.

Exit codes: 0 done; 2 bad input (an unreadable dataset, model or labels file, an employee
id not on the roster, a roster too small to fit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from headcount.cli.common import Database, console, explained_errors, fail, open_store

if TYPE_CHECKING:
    from headcount.linkage.accuracy import Interval
    from headcount.linkage.explain import Explanation

linkage_app = typer.Typer(
    no_args_is_help=True,
    help="Identity resolution (DUPLICATE_PERSON) on its own: fit and keep a model, explain "
    "a pair, measure the model against analysts' labels.",
)

Dataset = Annotated[Path, typer.Argument(help="Dataset folder (the roster is what is read).")]
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        metavar="FILE",
        help="A model kept by `headcount linkage fit` (refitted for this command, not "
        "rewritten, if the roster has moved away from it).",
    ),
]
LabelsOption = Annotated[
    Path | None,
    typer.Option("--labels", metavar="FILE", help="Analysts' labels (CSV) to honour."),
]


@contextmanager
def _linkage_errors() -> Iterator[None]:
    from headcount.linkage.explain import PairError
    from headcount.linkage.labels import LabelsError
    from headcount.linkage.persist import ModelFileError
    from headcount.linkage.session import FitError

    with explained_errors():
        try:
            yield
        except (PairError, LabelsError, ModelFileError, FitError) as exc:
            fail(str(exc))


def _dataset(path: Path) -> None:
    if not path.is_dir():
        fail(f"{path}: no such dataset folder")


@linkage_app.command("fit")
def fit(
    dataset: Dataset,
    model: Annotated[
        Path, typer.Option("--model", metavar="FILE", help="Where to keep the fitted model.")
    ],
) -> None:
    """Fit the model on a roster and keep it in FILE, for `verify --model FILE`."""
    from headcount.linkage.session import fit_to_file

    _dataset(dataset)
    with _linkage_errors():
        fitted = fit_to_file(dataset, model)
    console.print(
        f"Fitted on {fitted.records:,} roster records; kept in {escape(str(model))}. "
        f"`verify --model {escape(str(model))}` reuses it while the roster's distribution "
        "stays close (docs/identity-resolution.md)."
    )


def _waterfall(explanation: Explanation) -> Table:
    j = explanation.judgement
    table = Table(title=f"{j.a} and {j.b}: the waterfall", title_justify="left")
    for column in ("step", "level", "log2 weight", "running total"):
        table.add_column(
            column, justify="right" if "weight" in column or "total" in column else "left"
        )
    total = j.prior_weight
    table.add_row(
        "prior", "two records chosen at random", f"{j.prior_weight:+.2f}", f"{total:+.2f}"
    )
    for c in j.comparisons:
        total += c["log2_weight"]
        colour = "green" if c["log2_weight"] > 0 else "red" if c["log2_weight"] < 0 else ""
        weight = f"{c['log2_weight']:+.2f}"
        table.add_row(
            c["comparison"],
            escape(c["level"]),
            f"[{colour}]{weight}[/]" if colour else weight,
            f"{total:+.2f}",
        )
    table.add_row(
        "total", f"match probability {100 * j.match_probability:.2f}%", "", f"{j.match_weight:+.2f}"
    )
    return table


@linkage_app.command("explain")
def explain(
    dataset: Dataset,
    a: Annotated[str, typer.Argument(help="An employee id on the roster.")],
    b: Annotated[str, typer.Argument(help="Another employee id on the roster.")],
    model: ModelOption = None,
    labels: LabelsOption = None,
) -> None:
    """Show why two roster records were or were not reported as one person: the waterfall
    of the model's evidence and the rules that decide."""
    from headcount.linkage.explain import explain as run_explain
    from headcount.linkage.labels import read_labels
    from headcount.linkage.session import opened

    _dataset(dataset)
    with _linkage_errors():
        decided = read_labels(labels) if labels is not None else ()
        with opened(dataset, model) as session:
            found = run_explain(session.engine, session.fitted, a, b, decided)
    records = Table(title="The two records", title_justify="left")
    for column in ("employee_id", "name", "ssn", "agency", "org_code", "work_email"):
        records.add_column(column)
    for r in found.records:
        name = " ".join(p for p in (r["first_name"], r["middle_name"], r["last_name"]) if p)
        records.add_row(
            *(escape(str(v or "")) for v in (r["employee_id"], name, r["ssn"], r["agency"],
                                            r["org_code"], r["work_email"]))
        )  # fmt: skip
    console.print(records)
    agrees = ", ".join(f"{k.replace('_', ' ')} {'agrees' if v else 'differs'}"
                       for k, v in found.judgement.agrees.items())  # fmt: skip
    console.print(f"Birth date and address are never shown: {agrees}.")
    console.print(_waterfall(found))
    verdict = "Reported" if found.reported else "Not reported"
    console.print(f"[bold]{verdict}[/] as one person (model: {escape(found.model_source)}).")
    for reason in found.reasons:
        console.print(f"- {escape(reason)}")


def _interval(name: str, found: Interval, confidence: float) -> str:
    if found.estimate is None:
        return f"{name}: no labelled pair to measure it on"
    return (
        f"{name}: {100 * found.estimate:.1f}% ({100 * confidence:.0f}% interval "
        f"{100 * found.low:.1f}%-{100 * found.high:.1f}%)"
    )


@linkage_app.command("accuracy")
def accuracy(
    dataset: Dataset,
    labels: Annotated[
        Path, typer.Option("--labels", metavar="FILE", help="Analysts' labels (CSV).")
    ],
    model: ModelOption = None,
    confidence: Annotated[
        float, typer.Option(min=0.5, max=0.999, help="Confidence of the intervals.")
    ] = 0.95,
) -> None:
    """Precision and recall of the model on the agency's own labelled pairs, with
    confidence intervals (Wilson score)."""
    from headcount.linkage.accuracy import accuracy as measure
    from headcount.linkage.labels import read_labels
    from headcount.linkage.session import opened

    _dataset(dataset)
    with _linkage_errors():
        decided = read_labels(labels)
        with opened(dataset, model) as session:
            found = measure(session.engine, session.fitted, decided, confidence)
    table = Table(title="The model's calls against the labels", title_justify="left")
    for column in ("", "labelled one person", "labelled two people"):
        table.add_column(column)
    table.add_row("reported", str(found.true_positives), str(found.false_positives))
    table.add_row("not reported", str(found.false_negatives), str(found.true_negatives))
    console.print(table)
    console.print(_interval("Precision", found.precision, found.confidence))
    console.print(_interval("Recall", found.recall, found.confidence))
    if found.unsure or found.not_on_roster:
        console.print(
            f"Not counted: {found.unsure} labelled unsure, {found.not_on_roster} with an id "
            "no longer on the roster."
        )


@linkage_app.command("queue")
def queue(dataset: Dataset, database: Database = None, model: ModelOption = None) -> None:
    """Fill the web app's review queue (/review) with DATASET's pairs nearest the
    threshold, for analysts to label."""
    _dataset(dataset)
    with open_store(database) as store, _linkage_errors():
        from headcount.linkage.review import queue_pairs

        count = queue_pairs(store, dataset, model)
    console.print(f"Queued {count:,} pairs for review at /review.")


@linkage_app.command("labels")
def labels(
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="The labels file to write (CSV).")
    ],
    database: Database = None,
) -> None:
    """Write every label analysts gave in the review queue to FILE, for `verify --labels`."""
    with open_store(database) as store, _linkage_errors():
        from headcount.linkage.labels import write_labels
        from headcount.linkage.review import stored_labels

        count = write_labels(out, stored_labels(store))
    console.print(f"Wrote {count:,} labels to {escape(str(out))}.")
