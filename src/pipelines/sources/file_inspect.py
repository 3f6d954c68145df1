"""Look inside landing files from Python, without Spark: which files, which columns, samples.

The local reader uses it to match CSV columns by header name per file, the drift check to
compare files with the contract, and ``lakehouse new-source`` to infer a contract.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

from pipelines.config.file_formats import ENCODINGS
from pipelines.config.sources import FileSource
from pipelines.errors import LakehouseError
from pipelines.sources.infer import normalise_name

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "FileShape",
    "Record",
    "count_records",
    "ingested_files",
    "ingested_files_of",
    "inspect_file",
    "landing_location",
    "matching_files",
    "python_encoding",
    "stored_tables",
]

Record = dict[str, str | None]


@dataclass(frozen=True)
class FileShape:
    """What a file holds: its column names in order, their types if typed, sample records.

    CSV, JSON and xlsx names are normalised to config identifiers (``Booking_ID`` ->
    ``booking_id``), as the readers match them; XML and Parquet names are kept as they are.
    """

    path: Path
    columns: tuple[str, ...]
    types: dict[str, str]  # parquet only: column -> Spark type
    records: tuple[Record, ...]


def landing_location(landing_root: str, relative: str) -> str:
    """A path Spark can load: a ``file://`` root is decoded (Hadoop does not decode ``%20``)."""
    root = landing_root.rstrip("/")
    if urlparse(root).scheme == "file":
        root = "file://" + unquote(urlparse(root).path)
    return f"{root}/{relative}"


def matching_files(landing_root: str, source: FileSource) -> list[Path]:
    """Files the source's glob matches under a local landing root (folders: their files).

    Like Spark, names starting with ``.`` or ``_`` are skipped. Empty for non-local roots.
    """
    parsed = urlparse(landing_root)
    if parsed.scheme not in {"file", ""}:
        return []
    base = Path(unquote(parsed.path))
    found: set[Path] = set()
    for hit in glob.glob(str(base / source.path)):
        path = Path(hit)
        candidates = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        found.update(p for p in candidates if not p.name.startswith((".", "_")))
    return sorted(found)


def python_encoding(encoding: str) -> str:
    """The Python codec for a config encoding (a UTF-8 byte order mark is skipped)."""
    name = ENCODINGS.get(encoding, encoding)
    return "utf-8-sig" if name == "utf-8" else name


def _open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, gunzipped when its name ends in ``.gz`` (as Spark does)."""
    if path.suffix == ".gz":
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return path.open("rb")


def _open_text(path: Path, encoding: str) -> IO[str]:
    return io.TextIOWrapper(_open_bytes(path), encoding=python_encoding(encoding), newline="")


def inspect_file(path: Path, source: FileSource, sample: int = 1000) -> FileShape:
    """Column names (in file order) and up to ``sample`` records of one file.

    Raises:
        LakehouseError: The file cannot be read as the source's format.
    """
    try:
        return _INSPECTORS[source.format](path, source, sample)
    except (OSError, ValueError, KeyError, StopIteration, ElementTree.ParseError) as exc:
        raise LakehouseError(f"{path}: cannot read as {source.format}: {exc}") from None


def _csv(path: Path, source: FileSource, sample: int) -> FileShape:
    options = source.csv_options
    with _open_text(path, options.encoding) as handle:
        rows = _csv_rows(handle, options.delimiter, options.quote, options.escape)
        first = next(rows, [])
        header = tuple(normalise_name(n) for n in first) if options.header else ()
        records: list[Record] = []
        for row in rows if options.header else itertools.chain([first], rows):
            if len(records) >= sample:
                break
            names = header or tuple(f"_c{i}" for i in range(len(row)))
            records.append(dict(zip(names, (v if v != "" else None for v in row), strict=False)))
    return FileShape(path, header, {}, tuple(records))


def count_records(path: Path, source: FileSource) -> int:
    """The records of a CSV file, counted quote-aware (a quoted value may hold line breaks),
    header and blank lines left out: what a file holds, apart from how Spark split it.

    Reconciliation compares it with bronze: a file read without ``multiline`` whose quoted
    values span lines has more bronze rows than records, which then shows as a difference.
    """
    options = source.csv_options
    with _open_text(path, options.encoding) as handle:
        rows = _csv_rows(handle, options.delimiter, options.quote, options.escape)
        count = sum(1 for row in rows if row)
    return max(count - 1, 0) if options.header else count


def ingested_files(spark: SparkSession, table: str) -> set[Path]:
    """The local paths of the files whose rows ``table`` (a bronze table) holds."""
    return ingested_files_of(spark, [table])[table]


def ingested_files_of(spark: SparkSession, tables: Sequence[str]) -> dict[str, set[Path]]:
    """``ingested_files`` of every table at once: one Spark job, not one per table (a job costs
    a second or more on a small machine, and the drift check asks for every file source)."""
    found: dict[str, set[Path]] = {t: set() for t in tables}
    existing = _existing_tables(spark, tables)
    if not existing:
        return found
    query = " UNION ALL ".join(
        f"SELECT DISTINCT '{t}' AS t, _source_file FROM {t}" for t in existing
    )
    for table, file in spark.sql(query).collect():
        if file:
            found[table].add(Path(unquote(urlparse(file).path)))
    return found


def _existing_tables(spark: SparkSession, tables: Sequence[str]) -> list[str]:
    """``tables`` (``schema.name``) that exist: one listing per schema, not a lookup per table."""
    schemas = sorted({t.split(".")[0] for t in tables})
    listed = set().union(*(stored_tables(spark, schema) for schema in schemas))
    return [t for t in tables if t in listed]


def stored_tables(spark: SparkSession, schema: str) -> set[str]:
    """The tables (``schema.name``) stored in ``schema``, not the session's temporary views
    (other tests' and notebooks' views are listed in every schema); none when it does not
    exist."""
    if not spark.catalog.databaseExists(schema):
        return set()
    rows = spark.sql(f"SHOW TABLES IN {schema}").collect()
    return {f"{schema}.{r.tableName}" for r in rows if not r.isTemporary}


def _csv_rows(handle: IO[str], delimiter: str, quote: str, escape: str) -> Iterator[list[str]]:
    if len(delimiter) > 1:  # Python's csv takes one character: split plainly
        return (line.rstrip("\r\n").split(delimiter) for line in handle)
    doubled = escape == quote
    return csv.reader(
        handle,
        delimiter=delimiter,
        quotechar=quote,
        doublequote=doubled,
        escapechar=None if doubled else escape,
    )


def _json_value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _json(path: Path, source: FileSource, sample: int) -> FileShape:
    with _open_text(path, "utf-8") as handle:
        if source.json_options.multiline:
            document = json.load(handle)
            objects = document if isinstance(document, list) else [document]
        else:
            objects = []
            for line in handle:
                if line.strip():
                    objects.append(json.loads(line))
                if len(objects) >= sample:
                    break
    records = [
        {normalise_name(k): _json_value(v) for k, v in o.items()}
        for o in objects
        if isinstance(o, dict)
    ]
    columns = dict.fromkeys(k for record in records for k in record)
    return FileShape(path, tuple(columns), {}, tuple(records[:sample]))


def _xml(path: Path, source: FileSource, sample: int) -> FileShape:
    assert source.xml is not None  # the model requires it for format xml
    tag, records = source.xml.row_tag, list[Record]()
    with _open_bytes(path) as raw:
        for _event, element in ElementTree.iterparse(raw):
            if element.tag != tag:
                continue
            record: Record = {f"_{k}": v for k, v in element.attrib.items()}
            record |= {child.tag: (child.text or "").strip() or None for child in element}
            records.append(record)
            element.clear()
            if len(records) >= sample:
                break
    columns = dict.fromkeys(k for record in records for k in record)
    return FileShape(path, tuple(columns), {}, tuple(records))


def _parquet(path: Path, source: FileSource, sample: int) -> FileShape:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from pipelines.sources.arrow_types import spark_type

    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow
    types = {field.name: spark_type(field.type) for field in schema}
    # the footer alone names and types the columns: no row group is decoded for sample 0
    batch = next(parquet.iter_batches(batch_size=sample), None) if sample > 0 else None
    rows = batch.to_pylist() if batch is not None else []
    records = [{k: None if v is None else str(v) for k, v in row.items()} for row in rows]
    return FileShape(path, tuple(schema.names), types, tuple(records))


def _xlsx(path: Path, source: FileSource, sample: int) -> FileShape:
    from pipelines.sources.xlsx import read_sheet

    header, rows = read_sheet(path, source.xlsx_options, limit=sample)
    records = [dict(zip(header, row, strict=False)) for row in rows]
    return FileShape(path, tuple(header), {}, tuple(records))


_INSPECTORS = {"csv": _csv, "json": _json, "xml": _xml, "parquet": _parquet, "xlsx": _xlsx}
