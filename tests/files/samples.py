"""Small sample files of every supported shape, written by the tests (never copied data)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from pipelines.config.model import FileSource, SourceConfig

BASE: dict[str, Any] = {
    "description": "Sample source.",
    "owner": "data_engineers",
    "columns": [
        {"name": "id", "type": "int", "nullable": False},
        {"name": "name", "type": "string"},
        {"name": "day", "type": "date", "format": "dd/MM/yyyy"},
    ],
}


def source(name: str, **files: Any) -> SourceConfig:
    """A source config named ``name`` whose ``source`` block is ``files``."""
    return SourceConfig.model_validate({**BASE, "name": name, "source": {"type": "files", **files}})


def file_source(name: str, **files: Any) -> FileSource:
    """The ``source`` block of :func:`source`, typed as the files source it is."""
    block = source(name, **files).source
    assert isinstance(block, FileSource)
    return block


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode(encoding) if isinstance(data, str) else data
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def write_json_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write(path, "\n".join(json.dumps(r) for r in rows) + "\n")


def write_parquet(path: Path, columns: dict[str, list[Any]]) -> Path:
    # pyarrow ships no type hints (no py.typed) and pyarrow-stubs trails its releases
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, sheet: str = "Data", skip: int = 0) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.worksheets[0].title = "Cover"  # the data is not on the first sheet
    data = book.create_sheet(sheet)
    for _ in range(skip):
        data.append(["report title"])
    for row in rows:
        data.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
