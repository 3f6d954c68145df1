"""Incremental JDBC: extract rows newer than the watermark to Parquet before the run, then
stream the extracts into bronze (why: see ``pipelines.sources.jdbc``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pyspark.sql import functions as F

from pipelines.config.model import SourceConfig
from pipelines.errors import LakehouseError
from pipelines.sources.jdbc import extract_schema, jdbc_source, read_jdbc, watermark_filter

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "extract_increment",
    "extract_root",
    "read_watermark",
    "reset_extracts",
    "stream_extracts",
]


def extract_root(landing_root: str, name: str) -> str:
    """Where the extracts of source ``name`` land (a URI)."""
    return f"{landing_root.rstrip('/')}/_extracts/{name}"


def _local(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in {"", "file"}:
        raise LakehouseError(f"local JDBC extracts need a file:// landing root, got {uri}")
    return Path(unquote(parsed.path))


def _extract_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def read_watermark(spark: SparkSession, config: SourceConfig, landing_root: str) -> str | None:
    """The newest watermark value extracted so far, as text (None before the first extract)."""
    incremental = jdbc_source(config).incremental
    assert incremental is not None
    root = extract_root(landing_root, config.name)
    if not _extract_dirs(_local(root)):
        return None
    kind = next(c.type for c in config.columns if c.name == incremental.column)
    value = F.max(F.col(incremental.column).try_cast(kind)).cast("string")
    frame = spark.read.schema(extract_schema(config)).option("recursiveFileLookup", "true")
    row = frame.parquet(root).agg(value.alias("w")).collect()[0]
    return None if row["w"] is None else str(row["w"])


def extract_increment(
    spark: SparkSession, config: SourceConfig, landing_root: str, run_id: str
) -> tuple[str | None, int]:
    """Extract the rows newer than the watermark; returns (the filter used, rows extracted).

    The files are written to a hidden folder and renamed into place, so a killed extract
    leaves nothing the stream would read.
    """
    incremental = jdbc_source(config).incremental
    assert incremental is not None
    where = watermark_filter(incremental.column, read_watermark(spark, config, landing_root))
    root = extract_root(landing_root, config.name)
    staging, final = _local(root) / f"_staging-{run_id}", _local(root) / run_id
    shutil.rmtree(staging, ignore_errors=True)
    read_jdbc(spark, config, where).write.mode("overwrite").parquet(staging.as_uri())
    staging.rename(final)
    rows = spark.read.schema(extract_schema(config)).parquet(final.as_uri()).count()
    return where, rows


def reset_extracts(config: SourceConfig, landing_root: str) -> None:
    """Forget every extract of ``config``'s source: the next run reads a full snapshot."""
    shutil.rmtree(_local(extract_root(landing_root, config.name)), ignore_errors=True)


def stream_extracts(spark: SparkSession, config: SourceConfig, landing_root: str) -> DataFrame:
    """Bronze's streaming read of the extracts (each file once, checkpointed)."""
    return (
        spark.readStream.format("parquet")
        .schema(extract_schema(config))
        .option("recursiveFileLookup", "true")
        .load(extract_root(landing_root, config.name))
    )
