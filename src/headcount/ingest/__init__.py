"""Dataset ingest and validation: a dataset folder -> typed DuckDB tables + data_quality.

    from headcount.ingest import load_dataset, Dataset, DatasetError
    ds = load_dataset(folder, con, strict=False, progress=None)

See docs in dataset.py; the typed shape is described in headcount.contract.tables.
"""

from headcount.ingest.dataset import Dataset, load_dataset
from headcount.ingest.errors import DatasetError

__all__ = ["Dataset", "DatasetError", "load_dataset"]
