"""Regenerate `reference_model.json`: the model fitted on a synthetic agency.

A roster smaller than `train.MIN_TRAIN_RECORDS` is scored with these parameters (its own
term frequencies, its own rescaled prior). They come from the same training as any large
roster, on `headcount synth` output, so regenerating them is one command:

    python tools/linkage_reference.py [--employees 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from headcount.engine.duckdb_engine import DuckDBEngine
from headcount.ingest import load_dataset
from headcount.linkage import train
from headcount.linkage.resolve import fit
from headcount.linkage.train import REFERENCE, duplicates_per_record
from headcount.matching.names import install_nicknames
from headcount.synth import generate

REFERENCE_EMPLOYEES = 20_000


def fitted_reference(employees: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="headcount-reference-") as tmp:
        generate(Path(tmp) / "agency", employees, seed=seed)
        engine = DuckDBEngine(duckdb.connect())
        try:
            load_dataset(Path(tmp) / "agency", engine.con)
            install_nicknames(engine)
            fitted = fit(engine)
            model: dict[str, Any] = fitted.linker.misc.save_model_to_json()
            model["headcount_duplicates_per_record"] = duplicates_per_record(
                fitted.linker, fitted.records
            )
            model["headcount_fitted_on"] = f"headcount synth --employees {employees} --seed {seed}"
        finally:
            engine.close()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=REFERENCE_EMPLOYEES)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    model = fitted_reference(args.employees, args.seed)
    path = Path(train.__file__).with_name(REFERENCE)  # the package's data file
    path.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
