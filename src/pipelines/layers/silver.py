"""Silver and quarantine: typed, checked, deduplicated rows; the rejected ones with reasons.

Both tables derive from the same checked rows, so every bronze row of a current delivery ends
in exactly one of them (or is a counted duplicate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.sources import corrupt_columns, rescued_columns
from pipelines.spec import DatasetSpec, Query
from pipelines.transforms import (
    apply_rules,
    conform,
    deduplicate,
    latest_file_per_date,
    quarantined_rows,
    valid_rows,
)
from pipelines.transforms.metadata import INGEST_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["checked_rows", "silver_specs"]


def silver_specs(source: SourceConfig) -> list[DatasetSpec]:
    """``silver.<name>`` and ``quarantine.<name>``, both read from bronze."""
    bronze = f"bronze.{source.name}"
    quarantine_comment = f"Rows of {source.name} that failed checks, with reasons."
    return [
        DatasetSpec(
            f"silver.{source.name}", "materialized_view", _silver_query(source, bronze),
            (bronze,), source.description,
        ),
        DatasetSpec(
            f"quarantine.{source.name}", "materialized_view", _quarantine_query(source, bronze),
            (bronze,), quarantine_comment,
        ),
    ]  # fmt: skip


def checked_rows(rows: DataFrame, source: SourceConfig) -> DataFrame:
    """Bronze rows of the current deliveries, typed, with quality reasons."""
    if source.silver.replace_by_file_date:
        rows = latest_file_per_date(rows)
    conformed = conform(rows, source.columns, has_corrupt_record=bool(corrupt_columns(source)))
    return apply_rules(conformed, source.quality)


def _silver_query(source: SourceConfig, bronze: str) -> Query:
    dedupe = source.silver.dedupe
    data = [c.name for c in source.columns]

    def query(spark: SparkSession) -> DataFrame:
        rows = valid_rows(checked_rows(spark.read.table(bronze), source))
        if dedupe is not None:
            rows = deduplicate(rows, dedupe.key, dedupe.keep)
        return rows.select(*data, "_warnings", *rescued_columns(source), *INGEST_COLUMNS)

    return query


def _quarantine_query(source: SourceConfig, bronze: str) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        rows = quarantined_rows(checked_rows(spark.read.table(bronze), source))
        extra = [*corrupt_columns(source), *rescued_columns(source)]
        return rows.select("_reasons", "_raw.*", *extra, *INGEST_COLUMNS)

    return query
