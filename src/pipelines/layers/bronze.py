"""Bronze: every delivered row, raw values, plus ingestion metadata.

A source with PII columns gets two tables: ``bronze.<name>`` keeps the masked values (and
everything downstream reads only it), ``bronze_pii.<name>`` the raw PII values keyed by the
row's ``_content_hash``, so entitled readers can join them back. Both read the source, but
for a source that answers every read afresh (an API: ``SourceType.read_once``): there
``bronze_pii`` alone reads it and keeps every column, and ``bronze`` masks its rows, so the
API is fetched once per run and both tables hold the same records. The raw JSON a reader keeps
beside the declared columns (``_rescued_data``, REST's ``_record``) is raw content too: bronze
keeps its keys with the values redacted (``transforms.pii.redact_json`` says why), and
``bronze_pii`` the raw JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.layers.tables import bronze_pii_table, bronze_table
from pipelines.pii.keys import PiiKeyError, PiiKeys
from pipelines.sources import (
    bronze_kind,
    corrupt_columns,
    raw_json_columns,
    read_once,
    read_source,
    rescued_columns,
)
from pipelines.spec import DatasetSpec, Query, RunContext, TableSpec
from pipelines.transforms import add_ingest_metadata
from pipelines.transforms.metadata import INGEST_COLUMNS
from pipelines.transforms.pii import keyed_content_hash, mask_keys, mask_pii

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["bronze_specs", "ingested_rows", "pii_key_columns"]


def bronze_specs(source: SourceConfig, context: RunContext) -> list[DatasetSpec]:
    """The bronze table of ``source`` (``source.bronze_table``; and its ``bronze_pii`` table if
    it has PII): streaming tables, or materialized views for sources read as snapshots
    (``bronze_kind``)."""
    file_date = getattr(source.source, "file_date", None)
    partitions = ("_file_date",) if file_date else ()
    comment = f"Raw rows of {source.name} as delivered, with ingestion metadata. "
    if source.has_pii:
        comment += "PII columns are masked (raw values: bronze_pii). "
    inputs = (f"bronze_pii.{source.name}",) if read_once(source) else ()
    specs = [
        DatasetSpec(
            source.bronze_table, bronze_kind(source), _query(source, context), inputs,
            comment + source.description, partitions, table=bronze_table(source),
            after_ingest=bool(inputs),
        )
    ]  # fmt: skip
    if source.has_pii:
        pii_comment = f"Raw PII values of bronze.{source.name}; join on _content_hash."
        if inputs:
            pii_comment = f"Rows of {source.name} as read, PII in clear (bronze masks them); join on _content_hash."  # fmt: skip # noqa: E501
        specs.append(
            DatasetSpec(
                f"bronze_pii.{source.name}", bronze_kind(source), _pii_query(source, context),
                (), pii_comment, partitions, table=bronze_pii_table(source),
            )
        )  # fmt: skip
    return specs


def pii_key_columns(source: SourceConfig) -> list[str]:
    """The raw columns of ``bronze_pii.<name>`` and its key: key, raw PII values, raw corrupt
    line, raw JSON (rescued data, whole records), lineage (a source read once keeps bronze's
    other columns there too: ``pipelines.layers.tables.bronze_pii_table``)."""
    lineage = [c for c in INGEST_COLUMNS if c != "_content_hash"]
    raw = [c.name for c in source.columns if c.pii] + corrupt_columns(source)
    raw += raw_json_columns(source)
    return ["_content_hash", *raw, *lineage]


def ingested_rows(
    spark: SparkSession, source: SourceConfig, context: RunContext, read: DataFrame | None = None
) -> DataFrame:
    """A fresh read of ``source`` (or ``read``, one made already) with bronze's metadata and
    ``_content_hash`` (keyed in a PII source), before any masking: what both bronze tables
    select from."""
    hashed = [c.name for c in source.columns] + corrupt_columns(source) + rescued_columns(source)
    rows = add_ingest_metadata(
        read if read is not None else read_source(spark, source, context),
        run_id=context.run_id,
        hashed_columns=hashed,
        file_date=getattr(source.source, "file_date", None),
    )
    if source.has_pii:
        key = mask_keys(spark, _keys(context, source)).token
        rows = rows.withColumn("_content_hash", keyed_content_hash(hashed, key))
    return rows


def _keys(context: RunContext, source: SourceConfig) -> PiiKeys:
    if context.pii_keys is None:
        raise PiiKeyError(f"bronze.{source.name} has PII columns but the run has no PII keys")
    return context.pii_keys


def _names(table: TableSpec) -> list[str]:
    return [c.name for c in table.columns or ()]


def _query(source: SourceConfig, context: RunContext) -> Query:
    once = read_once(source)
    streaming = bronze_kind(source) == "streaming_table"
    columns = _names(bronze_table(source))

    def query(spark: SparkSession) -> DataFrame:
        if not once:
            rows = ingested_rows(spark, source, context)
        else:  # what bronze_pii read: its every column, in bronze's order
            reader = spark.readStream if streaming else spark.read
            rows = reader.table(f"bronze_pii.{source.name}").select(*columns)
        if not source.has_pii:
            return rows
        corrupt = bool(corrupt_columns(source))
        return mask_pii(
            rows, source.columns, _keys(context, source), has_corrupt_record=corrupt,
            raw_json=raw_json_columns(source),
        )  # fmt: skip

    return query


def _pii_query(source: SourceConfig, context: RunContext) -> Query:
    columns = _names(bronze_pii_table(source))

    def query(spark: SparkSession) -> DataFrame:
        return ingested_rows(spark, source, context).select(*columns)

    return query
