"""Source readers: config in, DataFrame of raw (string) columns plus source metadata out.

Each source type has a reader module; ``read_source`` dispatches on the config's ``type``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.sources.file_options import RESCUED_COLUMN
from pipelines.sources.files import has_corrupt_record, read_files
from pipelines.spec import RunContext
from pipelines.transforms.conform import CORRUPT_COLUMN

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["corrupt_columns", "read_source", "rescued_columns"]

Reader = Callable[["SparkSession", SourceConfig, RunContext], "DataFrame"]

_READERS: dict[str, Reader] = {
    "files": lambda spark, config, context: read_files(
        spark, config, context.landing_root, context.platform
    ),
}


def read_source(spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
    """The raw rows of ``config``'s source, streaming where the source type can stream."""
    return _READERS[config.source.type](spark, config, context)


def corrupt_columns(config: SourceConfig) -> list[str]:
    """The corrupt-record column, for the source types whose reader fills it."""
    if config.source.type == "files" and has_corrupt_record(config.source):
        return [CORRUPT_COLUMN]
    return []


def rescued_columns(config: SourceConfig) -> list[str]:
    """The rescued-data column (values of undeclared columns), for the types that fill it."""
    return [RESCUED_COLUMN] if config.source.type == "files" else []
