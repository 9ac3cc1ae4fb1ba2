"""What a PDF's catalog says, for the letter tests: pypdf's objects walked with type checks."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import DictionaryObject


def catalog(data: bytes) -> DictionaryObject:
    return PdfReader(io.BytesIO(data)).root_object


def entry(node: DictionaryObject, *path: str) -> object:
    """The value at `path` under `node`; the test fails naming the key that is missing."""
    value: object = node
    for key in path:
        assert isinstance(value, DictionaryObject) and key in value, f"no {key} in the PDF"
        value = value[key].get_object()
    return value


def is_tagged(data: bytes) -> bool:
    root = catalog(data)
    return bool(entry(root, "/MarkInfo", "/Marked")) and "/StructTreeRoot" in root
