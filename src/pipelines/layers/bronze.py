"""Bronze: every delivered row, raw values, plus ingestion metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.sources import bronze_kind, corrupt_columns, read_source
from pipelines.spec import DatasetSpec, Query, RunContext
from pipelines.transforms import add_ingest_metadata

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["bronze_specs"]


def bronze_specs(source: SourceConfig, context: RunContext) -> list[DatasetSpec]:
    """The bronze table of ``source`` (streaming, or a materialized view for snapshots)."""
    file_date = getattr(source.source, "file_date", None)
    partitions = ("_file_date",) if file_date else ()
    comment = f"Raw rows of {source.name} as delivered, with ingestion metadata. "
    return [
        DatasetSpec(
            f"bronze.{source.name}", bronze_kind(source), _query(source, context), (),
            comment + source.description, partitions,
        )
    ]  # fmt: skip


def _query(source: SourceConfig, context: RunContext) -> Query:
    hashed = [c.name for c in source.columns] + corrupt_columns(source)
    file_date = getattr(source.source, "file_date", None)

    def query(spark: SparkSession) -> DataFrame:
        raw = read_source(spark, source, context)
        return add_ingest_metadata(
            raw, run_id=context.run_id, hashed_columns=hashed, file_date=file_date
        )

    return query
