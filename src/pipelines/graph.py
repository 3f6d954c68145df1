"""The pipeline graph as data: frozen dataset specs built from the config, no Spark needed.

Registering the specs with ``pyspark.pipelines`` is a separate, thin step (``register.py``),
so tests can build and inspect the graph without running it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pipelines.config.loader import TABLE_REF, LakehouseConfig
from pipelines.config.model import GoldModel, SourceConfig
from pipelines.sources.files import raw_schema, read_files
from pipelines.transforms import (
    add_ingest_metadata,
    apply_rules,
    conform,
    deduplicate,
    latest_file_per_date,
    quarantined_rows,
    valid_rows,
)
from pipelines.transforms.conform import CORRUPT_COLUMN
from pipelines.transforms.metadata import INGEST_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["DatasetKind", "DatasetSpec", "RunContext", "build_graph", "checked_rows"]

DatasetKind = Literal["streaming_table", "materialized_view", "temporary_view"]
Query = Callable[["SparkSession"], "DataFrame"]


@dataclass(frozen=True)
class RunContext:
    """What a graph needs to know about the run it is part of."""

    run_id: str
    landing_root: str
    platform: Literal["local", "databricks"] = "local"


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the graph.

    Attributes:
        name: Logical name (``silver.product_catalog``); temporary views have no schema.
        kind: How the dataset is materialised.
        query: Builds the dataset's DataFrame from a session.
        inputs: Logical names it reads, for lineage and inspection.
        comment: The table comment.
        partition_cols: Partition columns of the stored table.
    """

    name: str
    kind: DatasetKind
    query: Query
    inputs: tuple[str, ...] = ()
    comment: str = ""
    partition_cols: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        """Whether the dataset is a table (not a temporary view)."""
        return self.kind != "temporary_view"


def build_graph(config: LakehouseConfig, context: RunContext) -> tuple[DatasetSpec, ...]:
    """Every dataset of the lakehouse, sources first, in dependency order."""
    specs: list[DatasetSpec] = []
    for source in config.sources:
        specs.extend(_source_specs(source, context))
    specs.extend(_gold_spec(model) for model in config.gold)
    return tuple(specs)


def _source_specs(source: SourceConfig, context: RunContext) -> list[DatasetSpec]:
    bronze = f"bronze.{source.name}"
    partitions = ("_file_date",) if source.source.file_date else ()
    # Silver and quarantine both derive from the same checked rows (a temporary view would be
    # inlined the same way; reading bronze in each keeps the graph free of unnamed views).
    quarantine_comment = f"Rows of {source.name} that failed checks, with reasons."
    return [
        DatasetSpec(
            bronze, "streaming_table", _bronze_query(source, context), (),
            _bronze_comment(source), partitions,
        ),
        DatasetSpec(
            f"silver.{source.name}", "materialized_view", _silver_query(source, bronze),
            (bronze,), source.description,
        ),
        DatasetSpec(
            f"quarantine.{source.name}", "materialized_view", _quarantine_query(source, bronze),
            (bronze,), quarantine_comment,
        ),
    ]  # fmt: skip


def _bronze_comment(source: SourceConfig) -> str:
    return f"Raw rows of {source.name} as delivered, with ingestion metadata. {source.description}"


def _bronze_query(source: SourceConfig, context: RunContext) -> Query:
    hashed = [c.name for c in source.columns] + _corrupt(source)

    def query(spark: SparkSession) -> DataFrame:
        raw = read_files(spark, source, context.landing_root, context.platform)
        return add_ingest_metadata(
            raw, run_id=context.run_id, hashed_columns=hashed, file_date=source.source.file_date
        )

    return query


def checked_rows(rows: DataFrame, source: SourceConfig) -> DataFrame:
    """Bronze rows of the current deliveries, typed, with quality reasons."""
    if source.silver.replace_by_file_date:
        rows = latest_file_per_date(rows)
    conformed = conform(rows, source.columns, has_corrupt_record=bool(_corrupt(source)))
    return apply_rules(conformed, source.quality)


def _silver_query(source: SourceConfig, bronze: str) -> Query:
    dedupe = source.silver.dedupe
    data = [c.name for c in source.columns]

    def query(spark: SparkSession) -> DataFrame:
        rows = valid_rows(checked_rows(spark.read.table(bronze), source))
        if dedupe is not None:
            rows = deduplicate(rows, dedupe.key, dedupe.keep)
        return rows.select(*data, "_warnings", *INGEST_COLUMNS)

    return query


def _quarantine_query(source: SourceConfig, bronze: str) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        rows = quarantined_rows(checked_rows(spark.read.table(bronze), source))
        return rows.select("_reasons", "_raw.*", *_corrupt(source), *INGEST_COLUMNS)

    return query


def _corrupt(source: SourceConfig) -> list[str]:
    """The corrupt-record column, for the formats whose reader fills it."""
    return [CORRUPT_COLUMN] if CORRUPT_COLUMN in raw_schema(source).names else []


def _gold_spec(model: GoldModel) -> DatasetSpec:
    inputs = tuple(sorted({m.group(0).lower() for m in TABLE_REF.finditer(model.sql)}))

    def query(spark: SparkSession) -> DataFrame:
        return spark.sql(model.sql)

    return DatasetSpec(f"gold.{model.name}", "materialized_view", query, inputs, model.description)
