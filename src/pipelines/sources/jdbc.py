"""JDBC sources: a full snapshot per run, or only the rows newer than a watermark.

How this fits the graph (verified on the local engine, pyspark 4.2.0):

- A streaming table accepts only streaming relations
  (``INVALID_FLOW_QUERY_TYPE.BATCH_RELATION_FOR_STREAMING_TABLE``, also through
  ``append_flow``), JDBC has no streaming reader, and a query function may not run a query
  (``ATTEMPT_ANALYSIS_IN_PIPELINE_QUERY_FUNCTION``), so it cannot look up a watermark itself.
- **Snapshot** (no ``incremental``): bronze is a materialized view over the JDBC read: every
  run reads the whole table (rows deleted at the source leave bronze too).
- **Incremental**: before the graph runs, ``extract_increment`` (``jdbc_extract.py``) reads the
  newest watermark from the earlier extracts, reads only rows with a newer value (the filter
  runs in the database) and writes them as Parquet under ``<extracts root>/<source>/``;
  bronze is a streaming table over those files, so each extract is appended exactly once
  (checkpointed like any delivered file). The state survives runs because it *is* the extracts;
  a full refresh deletes them with the tables, so the next run starts from a full snapshot.
  On Databricks the same extract runs as a job task before the pipeline update, into the
  Unity Catalog volume the task may write (``pipelines.deploy.variables.EXTRACTS_VOLUME``),
  and bronze streams the folder from there.

Rows carry the usual ingestion metadata: ``_source_file`` describes the read
(``jdbc:public.customers WHERE updated_at > '...'``: never the URL, which may be a secret) and
``_file_modified_at`` is the extraction time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType, TimestampType

from pipelines.config.model import JdbcSource, SourceConfig
from pipelines.config.secrets import SecretRef
from pipelines.secrets import resolve

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = [
    "describe",
    "extract_schema",
    "jdbc_options",
    "jdbc_source",
    "read_jdbc",
    "watermark_filter",
]


def jdbc_source(config: SourceConfig) -> JdbcSource:
    """The JDBC part of ``config``."""
    from pipelines.sources.types import typed_source

    return typed_source(config, JdbcSource)


def watermark_filter(column: str, watermark: str | None) -> str | None:
    """``updated_at > '2024-01-02 03:04:05'`` (a quoted literal the database casts), or None."""
    if watermark is None:
        return None
    return f"{column} > '{watermark.replace(chr(39), chr(39) * 2)}'"


def describe(source: JdbcSource, where: str | None) -> str:
    """What was read, for ``_source_file``: never the URL or a credential."""
    what = source.table or "query"
    return f"jdbc:{what}" + (f" WHERE {where}" if where else "")


def _select(config: SourceConfig, where: str | None) -> str:
    source = jdbc_source(config)
    names = [c.name for c in config.columns]
    if source.partitioning and source.partitioning.column not in names:
        names.append(source.partitioning.column)
    origin = source.table or f"({source.query}) lakehouse_query"
    condition = f" WHERE {where}" if where else ""
    return f"(SELECT {', '.join(names)} FROM {origin}{condition}) lakehouse_src"


def jdbc_options(config: SourceConfig, where: str | None, platform: Platform) -> dict[str, str]:
    """Every option of the Spark JDBC reader, secrets resolved (raises SecretNotFound)."""
    source = jdbc_source(config)
    options = {
        "url": resolve(source.url, platform),
        "driver": source.driver,
        "dbtable": _select(config, where),
        "fetchsize": str(source.fetch_size),
    }
    if source.user is not None:
        options["user"] = resolve(source.user, platform)
    if source.password is not None:
        options["password"] = resolve(source.password, platform)
    if source.partitioning is not None:
        part = source.partitioning
        options |= {
            "partitionColumn": part.column,
            "lowerBound": str(part.lower_bound),
            "upperBound": str(part.upper_bound),
            "numPartitions": str(part.num_partitions),
        }
    for key, value in source.options.items():
        if isinstance(value, SecretRef):  # sslpassword and the like: only ever a secret
            options[key] = resolve(value, platform)
        else:
            options[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return options


def extract_schema(config: SourceConfig) -> StructType:
    """Declared columns as text plus the read's description and time (the extract files)."""
    fields = [StructField(c.name, StringType()) for c in config.columns]
    fields.append(StructField("_source_file", StringType()))
    fields.append(StructField("_file_modified_at", TimestampType()))
    return StructType(fields)


def read_jdbc(
    spark: SparkSession, config: SourceConfig, where: str | None = None, *, platform: Platform
) -> DataFrame:
    """A batch read: declared columns as raw text, ``_source_file``, ``_file_modified_at``."""
    source = jdbc_source(config)
    frame = spark.read.format("jdbc").options(**jdbc_options(config, where, platform)).load()
    return frame.select(
        *[F.col(c.name).cast("string").alias(c.name) for c in config.columns],
        F.lit(describe(source, where)).alias("_source_file"),
        F.current_timestamp().alias("_file_modified_at"),
    )
