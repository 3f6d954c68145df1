"""``type: files``: files under the landing root (Auto Loader on Databricks)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from pipelines.config.sources import FileSource
from pipelines.sources.file_options import CORRUPT_COLUMN, RESCUED_COLUMN
from pipelines.sources.types.base import SourceType, typed_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.ops.file_records import FileCounts
    from pipelines.spec import RunContext

__all__ = ["Files"]


class Files(SourceType):
    """Read by the platform's file stream (``pipelines.platform``); xlsx by a Python data
    source registered before the graph on both platforms."""

    model = FileSource
    unsampled = "give new-source a sample file instead: --from FILE.csv"

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        from pipelines.sources.files import read_files

        return read_files(spark, config, context)

    def corrupt_columns(self, config: SourceConfig) -> list[str]:
        from pipelines.sources.files import has_corrupt_record

        return [CORRUPT_COLUMN] if has_corrupt_record(typed_source(config, FileSource)) else []

    def rescued_columns(self, config: SourceConfig) -> list[str]:
        return [RESCUED_COLUMN]

    def records_read(
        self, spark: SparkSession, config: SourceConfig, files: FileCounts
    ) -> int | None:
        """CSV: the quote-aware record count of the files bronze ingested, each file counted
        once (``ops.file_records``); a file no longer in the landing zone: None, bronze's own
        count stands."""
        from pipelines.sources.file_inspect import count_records, ingested_files

        source = typed_source(config, FileSource)
        if source.format != "csv":
            return None
        ingested = ingested_files(spark, f"bronze.{config.name}")
        if not all(path.is_file() for path in ingested):
            return None
        count = partial(count_records, source=source)
        return sum(files.records(config.name, path, count) for path in sorted(ingested))

    def prepare(
        self, spark: SparkSession, sources: Sequence[SourceConfig], context: RunContext
    ) -> None:
        if any(typed_source(s, FileSource).format == "xlsx" for s in sources):
            from pipelines.sources.xlsx import XlsxDataSource

            spark.dataSource.register(XlsxDataSource)
