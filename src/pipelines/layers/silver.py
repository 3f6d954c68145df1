"""Silver and quarantine: typed, checked, deduplicated rows; the rejected ones with reasons.

Both tables derive from the same checked rows, so every bronze row of a current delivery ends
in exactly one of them (or is a counted duplicate). A source with ``silver.cdc`` applies its
valid rows as change events: rows failing a rule never reach the merge, rows passing do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.config.sqlast import row_expression_columns
from pipelines.layers.expectations import silver_expectations
from pipelines.layers.tables import settings_only, silver_table
from pipelines.sources import corrupt_columns, rescued_columns
from pipelines.spec import AutoCdcFlow, DatasetSpec, Query, RunContext
from pipelines.transforms import (
    apply_rules,
    conform,
    deduplicate,
    derive_columns,
    latest_file_per_date,
    quarantined_rows,
    valid_rows,
)
from pipelines.transforms.cdc import (
    END_AT,
    START_AT,
    apply_changes,
    continue_changes,
    latest_deletes,
    table_deletes,
)
from pipelines.transforms.conform import typed_value
from pipelines.transforms.dedupe import RECORD_HASH, record_hash
from pipelines.transforms.keys import same_key
from pipelines.transforms.metadata import INGEST_COLUMNS
from pipelines.transforms.quality import with_reference

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "changes_continued",
    "checked_rows",
    "dedupe_key",
    "deleted_keys",
    "quarantine_of_checked",
    "quarantine_rows",
    "replacement_changes",
    "rows_of_keys",
    "silver_of_checked",
    "silver_rows",
    "silver_specs",
]

_LINEAGE = ("_warnings", *INGEST_COLUMNS)
_DELIVERY_ORDER = ("_file_modified_at", "_source_file", "_content_hash")


def silver_specs(source: SourceConfig, context: RunContext | None = None) -> list[DatasetSpec]:
    """``silver.<name>`` and ``quarantine.<name>``, both read from bronze."""
    bronze = f"bronze.{source.name}"
    lookups = tuple(sorted({r.reference.table for r in source.rules if r.reference}))
    quarantine_comment = f"Rows of {source.name} that failed checks, with reasons."
    quarantine = DatasetSpec(
        f"quarantine.{source.name}", "materialized_view", _quarantine_query(source, bronze),
        (bronze, *lookups), quarantine_comment, lookups=lookups,
        table=settings_only(source.tables.quarantine),
    )  # fmt: skip
    inputs = (bronze, *lookups)
    cdc = source.silver.cdc
    if cdc is not None and context is not None and context.applies_auto_cdc(cdc):
        return [_auto_cdc_spec(source, bronze, inputs), quarantine]
    silver = DatasetSpec(
        f"silver.{source.name}", "materialized_view", _silver_query(source, bronze), inputs,
        source.description, lookups=lookups,
        expectations=silver_expectations(source, _silver_columns(source)),
        table=silver_table(source, _silver_columns(source), auto_cdc=False),
    )  # fmt: skip
    return [silver, quarantine]


def checked_rows(rows: DataFrame, source: SourceConfig) -> DataFrame:
    """Bronze rows of the current deliveries, typed, derived columns added, with quality reasons."""
    if source.silver.replace_by_file_date:
        rows = latest_file_per_date(rows)
    conformed = conform(rows, source.columns, has_corrupt_record=bool(corrupt_columns(source)))
    conformed = derive_columns(conformed, source.silver.derive)
    rules = [r for r in source.rules if r.layer == "silver"]
    for rule in rules:
        if rule.reference is not None:
            # The local engine does not wait for a lookup: the runner refreshes it first (lookups).
            keys = conformed.sparkSession.read.table(rule.reference.table)
            conformed = with_reference(conformed, rule.reference, keys)
    return apply_rules(conformed, rules)


def _stored_columns(source: SourceConfig) -> list[str]:
    declared = [c.name for c in source.columns] + list(source.silver.derive)
    return source.silver.cdc.stored_columns(declared) if source.silver.cdc else declared


def _silver_columns(source: SourceConfig) -> list[str]:
    """The columns of ``silver.<source>``, in order."""
    cdc = source.silver.cdc
    history = (START_AT, END_AT) if cdc is not None and cdc.scd_type == 2 else ()
    rescued = rescued_columns(source) if cdc is None else []  # CDC keeps declared columns
    identity = (RECORD_HASH,) if _keyless(source) else ()
    return [*_stored_columns(source), *rescued, *identity, *_LINEAGE, *history]


def _keyless(source: SourceConfig) -> bool:
    """Deduplicated without a key: by every typed column, through their ``_record_hash``
    (``silver.cdc`` keeps one row per key of its own, whatever ``dedupe`` says)."""
    dedupe = source.silver.dedupe
    return dedupe is not None and not dedupe.key and source.silver.cdc is None


def dedupe_key(source: SourceConfig) -> tuple[str, ...]:
    """The columns two silver rows are the same record by (``silver.dedupe``): its key, or
    without one the hash of every typed, conformed column silver keeps (``_identity``)."""
    dedupe = source.silver.dedupe
    if dedupe is not None and dedupe.key:
        return tuple(dedupe.key)
    return (RECORD_HASH,)


def replacement_changes(source: SourceConfig) -> frozenset[str] | None:
    """The columns of ``silver.<source>`` that may change where a row is replaced by a new row
    of the same dedupe key: without a declared key only the lineage and what is derived from
    it (the key is the hash of every other stored value); with a key (None), any column."""
    if not _keyless(source):
        return None
    lineage = set(_LINEAGE)
    for name, expr in source.silver.derive.items():
        if (read := row_expression_columns(expr)) is None or lineage & set(read):
            lineage.add(name)
    return frozenset(lineage)


def _identity(source: SourceConfig) -> dict[str, str]:
    """What a keyless source's record is: its typed, conformed columns and their types (a
    re-delivery with dates reformatted is no new record; the content hash is of the raw text).
    Derived columns follow from these (and a derived map could not be compared)."""
    declared = {c.name: c.type for c in source.columns}
    return declared | dict.fromkeys(rescued_columns(source), "string")


def silver_rows(bronze_rows: DataFrame, source: SourceConfig) -> DataFrame:
    """What ``silver.<source>`` holds of ``bronze_rows`` (all of bronze, or the rows of an
    increment: ``pipelines.local.increments``), in its columns."""
    return silver_of_checked(checked_rows(bronze_rows, source), source)


def silver_of_checked(checked: DataFrame, source: SourceConfig) -> DataFrame:
    """``silver_rows`` of rows ``checked_rows`` returned (an increment checks its rows once
    for silver, quarantine and the counts)."""
    dedupe, cdc = source.silver.dedupe, source.silver.cdc
    rows = valid_rows(checked)
    if cdc is not None:
        rows = apply_changes(rows, cdc, _stored_columns(source), _LINEAGE, _DELIVERY_ORDER)
    elif dedupe is not None:
        if _keyless(source):
            rows = rows.withColumn(RECORD_HASH, record_hash(_identity(source)))
        rows = deduplicate(rows, dedupe_key(source), dedupe.keep)
    return rows.select(*_silver_columns(source))


def changes_continued(checked: DataFrame, current: DataFrame, source: SourceConfig) -> DataFrame:
    """Silver's rows of the keys of the change events in ``checked`` (rows ``checked_rows``
    returned), once they are applied to ``current``: silver's rows of those keys that they can
    still change (``pipelines.transforms.cdc.continue_changes``)."""
    cdc = source.silver.cdc
    assert cdc is not None
    rows = continue_changes(
        current, valid_rows(checked), cdc, _stored_columns(source), _LINEAGE, _DELIVERY_ORDER
    )
    return rows.select(*_silver_columns(source))


def deleted_keys(
    checked: DataFrame, source: SourceConfig, silver: DataFrame | None = None
) -> DataFrame:
    """The keys whose newest valid change event in ``checked`` deletes them, and its sequence
    (``silver``: the table made of those events, when it is at hand: only the deletes are
    then judged, ``pipelines.transforms.cdc.table_deletes``)."""
    cdc = source.silver.cdc
    assert cdc is not None
    if silver is not None:
        return table_deletes(valid_rows(checked), silver, cdc)
    return latest_deletes(valid_rows(checked), cdc, _DELIVERY_ORDER)


def rows_of_keys(bronze_rows: DataFrame, keys: DataFrame, source: SourceConfig) -> DataFrame:
    """The rows of ``bronze_rows`` whose ``silver.cdc`` key, typed as silver types it, is one
    of ``keys``'s rows (columns named as the keys): bronze holds the raw text, so `` 017``
    is key 17 (a CDC key is a declared column, never a derived one)."""
    from pyspark.sql import functions as F

    cdc = source.silver.cdc
    assert cdc is not None
    specs = {c.name: c for c in source.columns}
    typed = {f"_key_{k}": typed_value(F.col(k), specs[k]) for k in cdc.keys}
    marked = bronze_rows.withColumns(typed).alias("b")
    on = same_key("b", "s", cdc.keys, prefix="_key_")
    return marked.join(F.broadcast(keys.alias("s")), on, "left_semi").drop(*typed)


def quarantine_rows(bronze_rows: DataFrame, source: SourceConfig) -> DataFrame:
    """What ``quarantine.<source>`` holds of ``bronze_rows``, in its columns."""
    return quarantine_of_checked(checked_rows(bronze_rows, source), source)


def quarantine_of_checked(checked: DataFrame, source: SourceConfig) -> DataFrame:
    """``quarantine_rows`` of rows ``checked_rows`` returned."""
    extra = [*corrupt_columns(source), *rescued_columns(source)]
    return quarantined_rows(checked).select("_reasons", "_raw.*", *extra, *INGEST_COLUMNS)


def _silver_query(source: SourceConfig, bronze: str) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        return silver_rows(spark.read.table(bronze), source)

    return query


def _auto_cdc_spec(source: SourceConfig, bronze: str, inputs: tuple[str, ...]) -> DatasetSpec:
    """Valid rows as a streaming feed, applied by ``dp.create_auto_cdc_flow`` (every CDC source
    on Databricks; none locally yet: ``pipelines.platform.LocalPlatform.applies_auto_cdc``)."""
    cdc = source.silver.cdc
    assert cdc is not None
    declared = [c.name for c in source.columns] + list(source.silver.derive)
    tracked = tuple(cdc.tracked_columns(declared)) if cdc.scd_type == 2 else ()

    def feed(spark: SparkSession) -> DataFrame:
        rows = valid_rows(checked_rows(spark.readStream.table(bronze), source))
        return rows.select(*declared, *_LINEAGE)

    flow = AutoCdcFlow(
        source=f"{source.name}_cdc_feed",
        keys=cdc.keys,
        sequence_by=cdc.sequence_by,
        apply_as_deletes=cdc.delete_when,
        except_column_list=cdc.exclude_columns,
        stored_as_scd_type=cdc.scd_type,
        track_history_column_list=tracked,
        ignore_null_updates=cdc.ignore_null_updates,
    )
    lookups = inputs[1:]
    return DatasetSpec(
        f"silver.{source.name}", "auto_cdc", feed, inputs, source.description, flow=flow,
        lookups=lookups, table=silver_table(source, (), auto_cdc=True),
    )  # fmt: skip


def _quarantine_query(source: SourceConfig, bronze: str) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        return quarantine_rows(spark.read.table(bronze), source)

    return query
