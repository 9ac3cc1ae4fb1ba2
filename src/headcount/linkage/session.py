"""A dataset's roster opened for identity resolution alone (`headcount linkage …`).

The same ingest as `verify` (a bad dataset raises DatasetError naming file, row, column),
the nickname table, and the model chosen as `verify` would choose it (fit.py): nothing
else of a run is computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest import load_dataset
from headcount.linkage import persist
from headcount.linkage.inputs import RunInputs, run_inputs
from headcount.linkage.resolve import Fitted, fit, model_json
from headcount.linkage.train import MIN_TRAIN_RECORDS
from headcount.matching.names import install_nicknames


class FitError(ValueError):
    """A roster no model can be fitted on (too small: the reference model scores it)."""


@dataclass(frozen=True)
class Session:
    engine: DuckDBEngine
    fitted: Fitted


@contextmanager
def opened(
    dataset: Path, model: Path | None = None, memory_limit: str | None = None
) -> Iterator[Session]:
    """The roster of `dataset` with its model (`model`: a kept one, refitted if it no
    longer fits, without writing it back)."""
    engine = DuckDBEngine(duckdb.connect(), memory_limit=memory_limit)
    try:
        load_dataset(dataset, engine.con)
        install_nicknames(engine)
        with run_inputs(RunInputs(model=model)):
            fitted = fit(engine)
        yield Session(engine, fitted)
    finally:
        engine.close()


def fit_to_file(dataset: Path, path: Path, memory_limit: str | None = None) -> Fitted:
    """Fit a model on `dataset`'s roster and keep it in `path` for `verify --model`."""
    with opened(dataset, memory_limit=memory_limit) as session:
        fitted = session.fitted
        if not fitted.trained:
            raise FitError(
                f"{dataset}: the roster has {fitted.records:,} records; a model is fitted on "
                f"at least {MIN_TRAIN_RECORDS:,} with birth dates to learn from (smaller "
                "rosters are scored with the reference model, no file needed)"
            )
        persist.save(path, model_json(fitted))
        return fitted
