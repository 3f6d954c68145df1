"""Incremental JDBC: extract rows newer than the watermark to Parquet before the run, then
stream the extracts into bronze (why: see ``pipelines.sources.jdbc``).

Locally the runner extracts before the graph runs; on Databricks the daily job's ``extract``
task does (``pipelines.sources.jdbc_task``), with the folder operations of ``dbutils.fs``
instead of the local ones. Every function takes the *extracts root*, the folder holding one
folder per source (``RunContext.extracts``): locally ``<landing root>/_extracts``, on
Databricks the Unity Catalog volume ``/Volumes/<catalog>/bronze_pii/jdbc_extracts`` (the
landing location is read-only; ``pipelines.deploy.variables.EXTRACTS_ROOT`` says why there).

Retention: an extract holds the source's rows in clear, PII included, under
``<extracts root>/<source>/<run id>/``. Once bronze has ingested it (its files are
in ``bronze.<source>._source_file``) it is only a copy, so each extract deletes the older
ones bronze ingested (:func:`prune_extracts`), keeping the newest ``keep_extracts`` and the
newest one holding rows (the watermark is read from the extracts). An extract bronze has not
ingested (a failed run) is never deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlparse

from pyspark.sql import functions as F

from pipelines.config.model import SourceConfig
from pipelines.errors import LakehouseError
from pipelines.sources.jdbc import extract_schema, jdbc_source, read_jdbc, watermark_filter

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = [
    "DbutilsFolders",
    "Folders",
    "LocalFolders",
    "extract_increment",
    "extract_root",
    "prune_extracts",
    "read_watermark",
    "reset_extracts",
    "stream_extracts",
]


def extract_root(extracts_root: str, name: str) -> str:
    """Where the extracts of source ``name`` land (a URI or a ``/Volumes`` path)."""
    return f"{extracts_root.rstrip('/')}/{name}"


def _local(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in {"", "file"}:
        raise LakehouseError(f"local JDBC extracts need a file:// extracts root, got {uri}")
    return Path(unquote(parsed.path))


def _visible(name: str) -> bool:
    return not name.startswith(("_", "."))  # what Spark's file listing reads


class Folders(Protocol):
    """The few folder operations an extract needs, on URIs."""

    def extracts(self, root: str) -> list[str]:
        """Names of the finished extract folders under ``root`` (none if it is absent)."""

    def remove(self, uri: str) -> None:
        """Delete a folder and its files (nothing if it is absent)."""

    def move(self, source: str, target: str) -> None:
        """Rename a folder."""

    def mark(self, uri: str) -> None:
        """Create an empty folder (and its parents): a mark that says something."""


class LocalFolders:
    """``file://`` extracts roots (a laptop, CI)."""

    def extracts(self, root: str) -> list[str]:
        """Names of the finished extract folders under ``root``."""
        path = _local(root)
        if not path.is_dir():
            return []
        return sorted(p.name for p in path.iterdir() if p.is_dir() and _visible(p.name))

    def remove(self, uri: str) -> None:
        """Delete a folder."""
        shutil.rmtree(_local(uri), ignore_errors=True)

    def move(self, source: str, target: str) -> None:
        """Rename a folder."""
        _local(source).rename(_local(target))

    def mark(self, uri: str) -> None:
        """Create an empty folder (and its parents)."""
        _local(uri).mkdir(parents=True, exist_ok=True)


class DbutilsFolders:
    """Databricks: ``dbutils.fs`` on a ``/Volumes/...`` extracts root."""

    def __init__(self, dbutils: Any) -> None:
        self.fs = dbutils.fs

    def extracts(self, root: str) -> list[str]:
        """Names of the finished extract folders under ``root``."""
        try:
            found = self.fs.ls(root)
        except Exception as exc:  # dbutils raises a wrapped FileNotFoundException
            if "FileNotFound" in str(exc) or "does not exist" in str(exc):
                return []
            raise
        names = [f.name.rstrip("/") for f in found if f.name.endswith("/")]
        return sorted(n for n in names if _visible(n))

    def remove(self, uri: str) -> None:
        """Delete a folder."""
        self.fs.rm(uri, True)

    def move(self, source: str, target: str) -> None:
        """Rename a folder."""
        self.fs.mv(source, target, True)

    def mark(self, uri: str) -> None:
        """Create an empty folder (and its parents)."""
        self.fs.mkdirs(uri)


def read_watermark(
    spark: SparkSession, config: SourceConfig, extracts_root: str, folders: Folders
) -> str | None:
    """The newest watermark value extracted so far, as text (None before the first extract)."""
    incremental = jdbc_source(config).incremental
    assert incremental is not None
    root = extract_root(extracts_root, config.name)
    if not folders.extracts(root):
        return None
    kind = next(c.type for c in config.columns if c.name == incremental.column)
    value = F.max(F.col(incremental.column).try_cast(kind)).cast("string")
    frame = spark.read.schema(extract_schema(config)).option("recursiveFileLookup", "true")
    row = frame.parquet(root).agg(value.alias("w")).collect()[0]
    return None if row["w"] is None else str(row["w"])


def extract_increment(
    spark: SparkSession,
    config: SourceConfig,
    extracts_root: str,
    run_id: str,
    *,
    platform: Platform,
    folders: Folders | None = None,
) -> tuple[str | None, int]:
    """Extract the rows newer than the watermark; returns (the filter used, rows extracted).

    The files are written to a hidden folder and renamed into place, so a killed extract
    leaves nothing the stream would read. A retried extract of the same run id keeps the
    folder it already moved into place. ``folders``: how the landing folders are handled,
    by default the platform's (``Platform.extract_folders``).
    """
    folders = folders if folders is not None else platform.extract_folders()
    incremental = jdbc_source(config).incremental
    assert incremental is not None
    root = extract_root(extracts_root, config.name)
    staging, final = f"{root}/_staging-{run_id}", f"{root}/{run_id}"
    if run_id in folders.extracts(root):
        return None, spark.read.schema(extract_schema(config)).parquet(final).count()
    watermark = read_watermark(spark, config, extracts_root, folders)
    where = watermark_filter(incremental.column, watermark)
    folders.remove(staging)
    read_jdbc(spark, config, where, platform=platform).write.mode("overwrite").parquet(staging)
    folders.move(staging, final)
    rows = spark.read.schema(extract_schema(config)).parquet(final).count()
    return where, rows


def prune_extracts(
    spark: SparkSession,
    config: SourceConfig,
    extracts_root: str,
    bronze_table: str,
    folders: Folders,
) -> list[str]:
    """Delete the extract folders ``bronze_table`` ingested, but the newest ``keep_extracts``
    and the newest holding rows; returns the deleted run ids (oldest first).

    A folder is ingested when bronze holds a watermark value at least its newest: extracts
    only take rows past the previous watermark, and the stream reads every new file of the
    folder at once, so bronze cannot hold a later folder's rows without the earlier ones'.
    Nothing is deleted when the table cannot be read (the first run, another catalog).
    """
    incremental = jdbc_source(config).incremental
    assert incremental is not None
    root = extract_root(extracts_root, config.name)
    names = folders.extracts(root)  # run ids: sorted by time
    older = names[: -incremental.keep_extracts]
    if not older:
        return []
    kind = next(c.type for c in config.columns if c.name == incremental.column)
    mark = F.max(F.col(incremental.column).try_cast(kind))
    try:
        (ingested,) = spark.read.table(bronze_table).agg(mark).collect()[0]
    except Exception:  # not readable: keep every extract
        return []
    files = spark.read.schema(extract_schema(config)).option("recursiveFileLookup", "true")
    run = F.regexp_extract(F.input_file_name(), r"/_extracts/[^/]+/([^/]+)/[^/]*$", 1)
    newest = files.parquet(root).groupBy(run.alias("run")).agg(mark.alias("mark")).collect()
    marks = {r["run"]: r["mark"] for r in newest}
    holding = max(marks, default=None)
    gone = [
        n for n in older
        if n != holding and (n not in marks or (ingested is not None and marks[n] <= ingested))
    ]  # fmt: skip
    for name in gone:
        folders.remove(f"{root}/{name}")
    return gone


def reset_extracts(config: SourceConfig, extracts_root: str, folders: Folders) -> None:
    """Forget every extract of ``config``'s source: the next run reads a full snapshot."""
    folders.remove(extract_root(extracts_root, config.name))


def stream_extracts(spark: SparkSession, config: SourceConfig, extracts_root: str) -> DataFrame:
    """Bronze's streaming read of the extracts (each file once, checkpointed)."""
    return (
        spark.readStream.format("parquet")
        .schema(extract_schema(config))
        .option("recursiveFileLookup", "true")
        .load(extract_root(extracts_root, config.name))
    )
