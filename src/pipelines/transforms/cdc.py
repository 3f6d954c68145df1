"""Change events -> the table AUTO CDC would maintain, computed from the whole feed at once.

Locally (Parquet: no MERGE) silver is a materialized view recomputed from every valid event,
so out-of-order and late events need no state: sorting by ``sequence_by`` is enough. The
output contract is AUTO CDC's: SCD1 keeps the latest row per key and removes deleted keys;
SCD2 keeps one row per version with ``__START_AT`` / ``__END_AT`` (the sequence values that
opened and closed it; NULL end for the current version).

Helper columns (``_cdc_*``) stay on the result (``drop`` would force analysis inside a
pipeline); the layer's final ``select`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window, WindowSpec
from pyspark.sql import functions as F

from pipelines.config.cdc import Cdc

__all__ = ["END_AT", "START_AT", "apply_changes"]

START_AT = "__START_AT"
END_AT = "__END_AT"
_DELETE = "_cdc_delete"


def apply_changes(
    df: DataFrame,
    cdc: Cdc,
    data_columns: Sequence[str],
    extra_columns: Sequence[str] = (),
    tie_break: Sequence[str] = (),
) -> DataFrame:
    """Apply the change events in ``df`` as AUTO CDC would (SCD type from ``cdc``).

    Args:
        df: Valid change events: the declared columns, typed.
        cdc: Keys, sequence, delete condition, SCD type, tracked columns.
        data_columns: The declared columns silver keeps.
        extra_columns: Columns carried along (lineage); never tracked, never null-filled.
        tie_break: Orders two events with the same key and sequence (AUTO CDC expects one
            event per key and sequence value); the first in descending order wins.
    """
    events = _one_event_per_sequence(df, cdc, tie_break)
    if cdc.ignore_null_updates:
        events = _fill_null_updates(events, cdc, [c for c in data_columns if c not in cdc.keys])
    if cdc.scd_type == 1:
        return _scd1(events, cdc)
    tracked = cdc.tracked_columns(data_columns)
    untracked = [c for c in (*data_columns, *extra_columns) if c not in {*cdc.keys, *tracked}]
    return _scd2(events, cdc, tracked, untracked)


def _by_key(cdc: Cdc) -> WindowSpec:
    return Window.partitionBy(*cdc.keys).orderBy(F.col(cdc.sequence_by))


def _one_event_per_sequence(df: DataFrame, cdc: Cdc, tie_break: Sequence[str]) -> DataFrame:
    is_delete = F.lit(False)
    if cdc.delete_when:
        is_delete = F.coalesce(F.expr(cdc.delete_when), F.lit(False))
    order = [F.col(c).desc_nulls_last() for c in tie_break] or [F.lit(1)]
    same = Window.partitionBy(*cdc.keys, cdc.sequence_by).orderBy(*order)
    marked = df.withColumns({_DELETE: is_delete, "_cdc_same": F.row_number().over(same)})
    return marked.where(F.col("_cdc_same") == 1)


def _fill_null_updates(events: DataFrame, cdc: Cdc, columns: Sequence[str]) -> DataFrame:
    """A NULL in an update keeps the value the key had; a delete starts the key afresh."""
    before = _by_key(cdc).rowsBetween(Window.unboundedPreceding, -1)
    deletes_before = F.coalesce(F.sum(F.col(_DELETE).cast("int")).over(before), F.lit(0))
    segmented = events.withColumn("_cdc_segment", deletes_before)
    so_far = (
        Window.partitionBy(*cdc.keys, "_cdc_segment")
        .orderBy(F.col(cdc.sequence_by))
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    return segmented.withColumns({c: F.last(c, ignorenulls=True).over(so_far) for c in columns})


def _scd1(events: DataFrame, cdc: Cdc) -> DataFrame:
    """The highest sequence per key wins; the key is gone when that event is a delete."""
    newest = Window.partitionBy(*cdc.keys).orderBy(F.col(cdc.sequence_by).desc())
    ranked = events.withColumn("_cdc_rank", F.row_number().over(newest))
    return ranked.where((F.col("_cdc_rank") == 1) & ~F.col(_DELETE))


def _scd2(
    events: DataFrame, cdc: Cdc, tracked: Sequence[str], untracked: Sequence[str]
) -> DataFrame:
    """One row per version, in sequence order whatever the arrival order.

    An upsert opens a version when it is the key's first event, follows a delete, or changes
    a tracked column; otherwise it updates the open version in place (untracked columns take
    its values). A delete closes the open version at its sequence; a delete with nothing
    open is ignored.
    """
    by_key = _by_key(cdc)
    values: Column = F.struct(*[F.col(c) for c in tracked]) if tracked else F.lit(None)
    previous_delete = F.lag(F.col(_DELETE)).over(by_key)
    changed = ~values.eqNullSafe(F.lag(values).over(by_key))
    is_delete = F.col(_DELETE)
    flagged = events.withColumns(
        {
            "_cdc_opens": ~is_delete & (previous_delete.isNull() | previous_delete | changed),
            "_cdc_closes": is_delete & ~F.coalesce(previous_delete, F.lit(True)),
        }
    )
    upto = by_key.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    version = F.sum(F.col("_cdc_opens").cast("int")).over(upto)
    numbered = flagged.withColumn("_cdc_version", F.when(~is_delete, version))
    whole_version = (
        Window.partitionBy(*cdc.keys, "_cdc_version")
        .orderBy(F.col(cdc.sequence_by))
        .rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    )
    boundary = F.when(F.col("_cdc_opens") | F.col("_cdc_closes"), F.col(cdc.sequence_by))
    after = by_key.rowsBetween(1, Window.unboundedFollowing)
    versions = numbered.withColumns(
        {
            START_AT: F.col(cdc.sequence_by),
            END_AT: F.first(boundary, ignorenulls=True).over(after),
            **{c: F.last(c).over(whole_version) for c in untracked},
        }
    )
    return versions.where(F.col("_cdc_opens"))
