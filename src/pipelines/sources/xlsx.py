"""Excel workbooks as a stream: a PySpark Python data source over openpyxl.

Spark has no xlsx reader, so each new workbook under the source's glob is read in Python (on
a Spark worker) and emitted as rows of strings, columns matched by header name; columns the
contract does not declare go to ``_rescued_data`` as JSON. The stream's offset is the sorted
list of files seen, so the pipeline's checkpoint makes it incremental like Spark's file
stream (a file rewritten at the same path is not read again). Python data sources run on
Databricks too.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    DataSourceStreamReader,
    InputPartition,
)
from pyspark.sql.types import StructType

from pipelines.config.file_formats import XlsxOptions
from pipelines.sources.infer import normalise_name

__all__ = ["XLSX_FORMAT", "XlsxDataSource", "cell_text", "read_sheet", "xlsx_rows"]

XLSX_FORMAT = "lakehouse_xlsx"


def cell_text(value: Any) -> str | None:
    """A cell as bronze keeps it: raw text; dates ISO, whole-day datetimes as dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def read_sheet(
    path: Path, options: XlsxOptions, limit: int | None = None
) -> tuple[list[str], list[list[str | None]]]:
    """Header names and data rows (as text) of the configured sheet."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[options.sheet] if options.sheet else book.worksheets[0]
        rows = sheet.iter_rows(min_row=options.header_row, values_only=True)
        cells = next(rows, ())
        header = [normalise_name(str(v)) if v is not None and str(v).strip() else "" for v in cells]
        while header and header[-1] == "":
            header.pop()
        data: list[list[str | None]] = []
        for row in rows:
            if limit is not None and len(data) >= limit:
                break
            texts = [cell_text(v) for v in row]
            if any(t is not None for t in texts):  # skip blank rows
                data.append(texts)
        return header, data
    finally:
        book.close()


def xlsx_rows(
    path: Path, options: XlsxOptions, declared: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of one workbook: declared columns by header name, extras as JSON, file metadata."""
    header, data = read_sheet(path, options)
    extras = [name for name in dict.fromkeys(header) if name and name not in declared]
    source_file = "file:" + quote(str(path))
    modified = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    for row in data:
        cells = dict(zip(header, row, strict=False))
        values = [cells.get(name) for name in declared]
        rescued = {name: cells[name] for name in extras if cells.get(name) is not None}
        yield (*values, json.dumps(rescued) if rescued else None, source_file, modified)


class _File(InputPartition):
    """One workbook (its path is the partition's value)."""


class _Options:
    def __init__(self, options: dict[str, str]) -> None:
        self.pattern = options["path"]
        self.declared: list[str] = json.loads(options["columns"])
        self.xlsx = XlsxOptions.model_validate_json(options.get("xlsx", "{}"))
        self.max_files = int(options.get("maxFilesPerTrigger", "0"))

    def files(self) -> list[str]:
        hits = (Path(p) for p in glob.glob(self.pattern))
        return sorted(str(p) for p in hits if p.is_file() and not p.name.startswith((".", "_")))


class _BatchReader(DataSourceReader):
    def __init__(self, options: _Options) -> None:
        self.options = options

    def partitions(self) -> list[_File]:
        return [_File(f) for f in self.options.files()]

    def read(self, partition: InputPartition) -> Iterator[tuple[Any, ...]]:
        yield from xlsx_rows(Path(partition.value), self.options.xlsx, self.options.declared)


class _StreamReader(DataSourceStreamReader):
    def __init__(self, options: _Options) -> None:
        self.options = options

    def initialOffset(self) -> dict[str, list[str]]:  # noqa: N802 - the API's name
        return {"files": []}

    def latestOffset(self, start: dict[str, Any], limit: Any) -> dict[str, list[str]]:  # noqa: N802
        seen = set(start["files"])
        new = [f for f in self.options.files() if f not in seen]
        if self.options.max_files:
            new = new[: self.options.max_files]
        return {"files": sorted(seen | set(new))}

    def partitions(self, start: dict[str, Any], end: dict[str, Any]) -> list[_File]:
        seen = set(start["files"])
        return [_File(f) for f in end["files"] if f not in seen]

    def read(self, partition: InputPartition) -> Iterator[tuple[Any, ...]]:
        path = Path(partition.value)
        yield from xlsx_rows(path, self.options.xlsx, self.options.declared)


class XlsxDataSource(DataSource):
    """``spark.readStream.format("lakehouse_xlsx")`` with options path, columns, xlsx, schema."""

    @classmethod
    def name(cls) -> str:
        return XLSX_FORMAT

    def schema(self) -> str:
        return str(self.options["schema"])

    def reader(self, schema: StructType) -> _BatchReader:
        return _BatchReader(_Options(dict(self.options)))

    def streamReader(self, schema: StructType) -> _StreamReader:  # noqa: N802
        return _StreamReader(_Options(dict(self.options)))
