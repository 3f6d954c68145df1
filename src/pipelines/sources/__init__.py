"""Source readers: config in, DataFrame of raw (string) columns plus source metadata out.

Each source type has a reader module; ``read_source`` dispatches on the config's ``type``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipelines.config.model import FileSource, JdbcSource, RestSource, SourceConfig
from pipelines.sources.file_options import RESCUED_COLUMN
from pipelines.sources.files import has_corrupt_record, read_files
from pipelines.sources.streams import has_json_value
from pipelines.spec import DatasetKind, RunContext
from pipelines.transforms.conform import CORRUPT_COLUMN

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["bronze_kind", "corrupt_columns", "read_source", "rescued_columns"]

Reader = Callable[["SparkSession", SourceConfig, RunContext], "DataFrame"]


def _jdbc(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    from pipelines.sources.jdbc import jdbc_source, read_jdbc
    from pipelines.sources.jdbc_extract import stream_extracts

    if jdbc_source(config).incremental is not None:
        return stream_extracts(spark, config, context.landing_root)
    return read_jdbc(spark, config, platform=context.platform)


def _rest(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    from pipelines.sources.rest import read_rest

    return read_rest(spark, config, context.platform)


def _stream(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    from pipelines.sources.streams import read_stream

    return read_stream(spark, config, context.platform)


_READERS: dict[str, Reader] = {
    "files": lambda spark, config, context: read_files(
        spark, config, context.landing_root, context.platform
    ),
    "jdbc": _jdbc,
    "rest": _rest,
    "kafka": _stream,
    "eventhubs": _stream,
}


def bronze_kind(config: SourceConfig) -> DatasetKind:
    """A streaming table where the reader streams; a snapshot source is a materialized view."""
    source = config.source
    if isinstance(source, RestSource) and source.mode == "snapshot":
        return "materialized_view"
    if isinstance(source, JdbcSource) and source.incremental is None:
        return "materialized_view"
    return "streaming_table"


def read_source(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    """The raw rows of ``config``'s source, streaming where the source type can stream."""
    return _READERS[config.source.type](spark, config, context)


def corrupt_columns(config: SourceConfig) -> list[str]:
    """The corrupt-record column, for the source types whose reader fills it (text file
    formats; message streams with JSON values)."""
    if isinstance(config.source, FileSource) and has_corrupt_record(config.source):
        return [CORRUPT_COLUMN]
    return [CORRUPT_COLUMN] if has_json_value(config) else []


def rescued_columns(config: SourceConfig) -> list[str]:
    """The rescued-data column (values of undeclared columns), for the types that fill it."""
    return [RESCUED_COLUMN] if config.source.type == "files" or has_json_value(config) else []
