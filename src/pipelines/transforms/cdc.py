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
from pipelines.transforms.keys import same_key

__all__ = [
    "END_AT",
    "START_AT",
    "apply_changes",
    "continue_changes",
    "latest_deletes",
    "table_deletes",
]

START_AT = "__START_AT"
END_AT = "__END_AT"
_DELETE = "_cdc_delete"
_CARRIED = "_cdc_carried"  # a row of the table carried in as an event (continue_changes)
_LAST = "_cdc_last"  # an open SCD2 version's own sequence value, carried in beside START_AT


def apply_changes(
    df: DataFrame,
    cdc: Cdc,
    data_columns: Sequence[str],
    extra_columns: Sequence[str] = (),
    tie_break: Sequence[str] = (),
    carried: str | None = None,
) -> DataFrame:
    """Apply the change events in ``df`` as AUTO CDC would (SCD type from ``cdc``).

    Args:
        df: Valid change events: the declared columns, typed.
        cdc: Keys, sequence, delete condition, SCD type, tracked columns.
        data_columns: The declared columns silver keeps.
        extra_columns: Columns carried along (lineage); never tracked, never null-filled.
        tie_break: Orders two events with the same key and sequence (AUTO CDC expects one
            event per key and sequence value); the first in descending order wins.
        carried: A boolean column marking rows that are no event but a row of the table
            (``continue_changes``): never a delete, whatever ``delete_when`` says of them.
    """
    events = _one_event_per_sequence(df, cdc, tie_break, carried)
    if cdc.ignore_null_updates:
        events = _fill_null_updates(events, cdc, [c for c in data_columns if c not in cdc.keys])
    if cdc.scd_type == 1:
        return _scd1(events, cdc)
    tracked = cdc.tracked_columns(data_columns)
    untracked = [c for c in (*data_columns, *extra_columns) if c not in {*cdc.keys, *tracked}]
    return _scd2(events, cdc, tracked, untracked)


def _by_key(cdc: Cdc) -> WindowSpec:
    return Window.partitionBy(*cdc.keys).orderBy(F.col(cdc.sequence_by))


def _one_event_per_sequence(
    df: DataFrame, cdc: Cdc, tie_break: Sequence[str], carried: str | None = None
) -> DataFrame:
    is_delete = F.lit(False)
    if cdc.delete_when:
        is_delete = F.coalesce(F.expr(cdc.delete_when), F.lit(False))
        if carried is not None:
            is_delete = ~F.col(carried) & is_delete
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


def continue_changes(
    current: DataFrame,
    events: DataFrame,
    cdc: Cdc,
    data_columns: Sequence[str],
    extra_columns: Sequence[str] = (),
    tie_break: Sequence[str] = (),
) -> DataFrame:
    """The table's rows of the keys of ``events`` once ``events`` are applied to ``current``.

    ``current`` holds, of each key of ``events``, the rows that later events can still change:
    under SCD1 the key's row, under SCD2 its open version (none: the key is new, or its last
    event was a delete). When every event comes after the last event already applied to its
    key, the result is what ``apply_changes`` over the whole feed gives those keys (SCD2:
    from their open version on; closed versions never change): SCD1 keeps the newest event,
    and ``ignore_null_updates`` fills from the row, which holds the values filled so far; an
    SCD2 version opens, closes or updates in place by comparing each event with the one
    before, and the open version stands for the last event of its key. So the current rows
    go in as the first event of their key, never a delete. An open version goes in at its
    ``__START_AT`` (the version it opens keeps it), its own sequence value carried beside;
    the version keeps that value unless a later event updated it in place.
    """
    seq = cdc.sequence_by
    extra = tuple(extra_columns)
    if cdc.scd_type == 2:
        kept = [c for c in current.columns if c not in (START_AT, END_AT, seq)]
        current = current.select(*kept, F.col(START_AT).alias(seq), F.col(seq).alias(_LAST))
        extra = (*extra, _LAST)
    feed = events.withColumn(_CARRIED, F.lit(False)).unionByName(
        current.withColumn(_CARRIED, F.lit(True)), allowMissingColumns=True
    )
    applied = apply_changes(feed, cdc, data_columns, extra, tie_break, carried=_CARRIED)
    if cdc.scd_type == 2:  # null: an event of this run updated the version last
        applied = applied.withColumn(seq, F.coalesce(F.col(_LAST), F.col(seq)))
    return applied


def latest_deletes(df: DataFrame, cdc: Cdc, tie_break: Sequence[str] = ()) -> DataFrame:
    """The keys whose newest event in ``df`` is a delete, with that event's sequence value.

    A deleted key leaves no row in the table (SCD1), or a closed version that cannot say
    whether a later delete came (SCD2); a run that applies new events alone must still know
    that an event older than the delete changes nothing.

    Of a day's events, or of a late key's every event (``pipelines.local.cdc_merge``; a
    recompute has the table at hand: ``table_deletes``). One aggregate, no sort: each key's
    greatest (sequence, tie-break...) is its newest event, as in ``apply_changes`` (a struct
    orders its fields in turn, nulls first: the same winner as the window's descending,
    nulls-last order).
    """
    is_delete = F.lit(False)
    if cdc.delete_when:
        is_delete = F.coalesce(F.expr(cdc.delete_when), F.lit(False))
    newest = F.max(F.struct(F.col(cdc.sequence_by), *map(F.col, tie_break), is_delete.alias("d")))
    last = df.groupBy(*cdc.keys).agg(newest.alias("_cdc_newest")).where("_cdc_newest.d")
    return last.select(*cdc.keys, F.col(f"_cdc_newest.{cdc.sequence_by}").alias(cdc.sequence_by))


def table_deletes(df: DataFrame, table: DataFrame, cdc: Cdc) -> DataFrame:
    """``latest_deletes`` of ``df``, given ``table``, what ``apply_changes`` made of ``df``.

    A key's newest event is a delete exactly when the table holds no live row of it (SCD1 no
    row, SCD2 no open version) and it has a delete event; that delete is its newest delete.
    So only the delete events are aggregated, and the table's live keys read: the rules that
    judge an event run on the deletes alone (the filter is pushed below them), where
    ``latest_deletes`` reads and judges every event (at 5M events a full run paid 12-21 s).
    """
    if not cdc.delete_when:
        return df.select(*cdc.keys, cdc.sequence_by).limit(0)
    deletes = df.where(F.coalesce(F.expr(cdc.delete_when), F.lit(False)))
    newest = deletes.groupBy(*cdc.keys).agg(F.max(cdc.sequence_by).alias(cdc.sequence_by))
    live = table.where(F.col(END_AT).isNull()) if cdc.scd_type == 2 else table
    on = same_key("d", "l", cdc.keys)
    return newest.alias("d").join(live.select(*cdc.keys).alias("l"), on, "left_anti")
