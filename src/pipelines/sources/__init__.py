"""Source readers: config in, DataFrame of raw (string) columns plus source metadata out.

Each source type is one object (``pipelines.sources.types``) found by the config's ``type``;
the functions here are what the layers ask of any source, answered by its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.sources.types import ExtraColumn, source_type

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.spec import DatasetKind, RunContext

__all__ = [
    "bronze_kind",
    "corrupt_columns",
    "extra_bronze_columns",
    "raw_json_columns",
    "read_once",
    "read_source",
    "rescued_columns",
]


def bronze_kind(config: SourceConfig) -> DatasetKind:
    """A streaming table where the reader streams; a snapshot source is a materialized view."""
    return source_type(config).bronze_kind(config)


def read_source(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    """The raw rows of ``config``'s source, streaming where the source type can stream."""
    return source_type(config).read(spark, config, context)


def corrupt_columns(config: SourceConfig) -> list[str]:
    """The corrupt-record column, for the source types whose reader fills it (text file
    formats; message streams with JSON values)."""
    return source_type(config).corrupt_columns(config)


def rescued_columns(config: SourceConfig) -> list[str]:
    """The rescued-data column (values of undeclared columns), for the types that fill it."""
    return source_type(config).rescued_columns(config)


def extra_bronze_columns(config: SourceConfig) -> tuple[ExtraColumn, ...]:
    """Columns bronze keeps beyond the declared ones and the ingestion metadata."""
    return source_type(config).extra_bronze_columns


def read_once(config: SourceConfig) -> bool:
    """Whether ``bronze.<name>`` masks the rows ``bronze_pii.<name>`` read rather than reading
    the source again (a source with PII whose type is read once: ``SourceType.read_once``)."""
    return config.has_pii and source_type(config).read_once(config)


def raw_json_columns(config: SourceConfig) -> list[str]:
    """Columns of raw JSON outside the contract: rescued data and whole records. For a source
    with PII, bronze keeps their keys with values redacted and ``bronze_pii`` the raw JSON."""
    kind = source_type(config)
    return [*kind.rescued_columns(config), *kind.record_columns(config)]
