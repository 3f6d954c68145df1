"""A CDC source's new change events applied to silver alone (the local adapter's AUTO CDC).

On Databricks, ``dp.create_auto_cdc_flow`` applies each run's new events to the table, and
remembers deleted keys so that an older event cannot bring one back. Locally, silver of a
``silver.cdc`` source is a materialized view over every event in bronze
(``pipelines.transforms.cdc``), which the engine recomputes on every run: a feed of changes
only grows, so a day's run re-applied every change ever sent. ``pipelines.local.increments``
applies a day's events to silver instead, through this module:

- **Which rows.** Silver's rows the new events can change: under SCD1 their key's row, under
  SCD2 their key's open version (closed versions never change). Only those are read and
  replaced (``pipelines.transforms.cdc.continue_changes``).
- **Which keys were deleted.** A deleted key leaves nothing in silver that says when. So the
  keys whose newest event is a delete, with its sequence value, are kept beside the source's
  state (Parquet under ``<storage>/increments/<source>/``), made from all of bronze when the
  engine recomputes silver and carried forward by each increment. Only for a source with
  ``delete_when``: without it no key is ever deleted.
- **Late events.** An event should come after the last event applied to its key (silver's
  sequence value, or its delete). One at or before it needs the key's whole history: that
  key's every event in bronze is applied again (found by the key as silver types it:
  ``pipelines.layers.silver.rows_of_keys``), and all its rows in silver replaced, while the
  other keys' events continue their rows. That reads bronze whole, once: less than the
  engine's recompute, which also sorts every event and rewrites silver.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.layers.silver import (
    changes_continued,
    checked_rows,
    deleted_keys,
    rows_of_keys,
    silver_of_checked,
)
from pipelines.local.silver_writes import Merged, delete_keys
from pipelines.transforms.cdc import END_AT
from pipelines.transforms.keys import same_key
from pipelines.transforms.quality import valid_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Pending", "merge_changes", "pending_changes", "write_deletes"]

_BROADCAST_KEYS = 1_000_000  # the new events' keys broadcast to silver's files at most


@dataclass(frozen=True)
class Pending:
    """New change events checked against silver: ready to merge."""

    current: DataFrame  # silver's rows the events in order continue (kept: read before)
    late: DataFrame | None  # the keys with a late event (None: none)
    replay: DataFrame | None  # their rows in bronze: every event of theirs, applied again
    removed: DataFrame  # silver's rows replaced: ``current`` and every row of a late key
    held: int  # how many
    late_keys: int
    keys: DataFrame  # every key of the events
    deletes: DataFrame | None  # the deleted keys kept (None: the source deletes none)


def pending_changes(
    spark: SparkSession, source: SourceConfig, checked: DataFrame, deletes: Path | None
) -> Pending:
    """The new events of ``checked`` (rows ``checked_rows`` returned) against silver and the
    kept deleted keys (``deletes``: their folder, None when the source deletes none): which
    rows of silver they change, and which of their keys have a late event."""
    from pyspark.sql import functions as F

    cdc = source.silver.cdc
    assert cdc is not None
    keys, seq = cdc.keys, cdc.sequence_by
    firsts = valid_rows(checked).groupBy(*keys).agg(F.min(seq).alias("_first")).localCheckpoint()
    # A day's keys are few: broadcast, silver's files are joined as they are read (a shuffle
    # would move all of silver's keys). A big increment is left to the planner.
    few = firsts.count() <= _BROADCAST_KEYS
    silver = spark.read.table(f"silver.{source.name}").alias("t")
    of_keys = silver.join(
        F.broadcast(firsts.alias("s")) if few else firsts.alias("s"),
        same_key("t", "s", keys),
        "left_semi",
    )
    open_ = of_keys.where(F.col(END_AT).isNull()) if cdc.scd_type == 2 else of_keys
    current = open_.localCheckpoint()
    known = current.select(*keys, seq)
    kept = None if deletes is None else spark.read.parquet(str(deletes))
    if kept is not None:
        known = known.unionByName(kept)
    late = (
        firsts.alias("s")
        .join(known.alias("t"), same_key("t", "s", keys))
        .where(~F.coalesce(F.col("s._first") > F.col(f"t.`{seq}`"), F.lit(False)))
        .select(*[F.col(f"s.`{k}`") for k in keys])
        .distinct()
        .localCheckpoint()
    )
    late_keys = late.count()
    every = firsts.select(*keys)
    if not late_keys:
        return Pending(current, None, None, current, current.count(), 0, every, kept)
    # Their events are applied again from bronze, all of them: every row silver holds of them
    # goes. (No CDC source keeps a day's newest file, replace_by_file_date, which is decided
    # over all of bronze: the config refuses the two together.)
    replay = rows_of_keys(spark.read.table(f"bronze.{source.name}"), late, source)
    on_time = current.alias("t").join(late.alias("s"), same_key("t", "s", keys), "left_anti")
    history = of_keys.alias("t").join(late.alias("s"), same_key("t", "s", keys), "left_semi")
    removed = on_time.unionByName(history).localCheckpoint()
    return Pending(on_time, late, replay, removed, removed.count(), late_keys, every, kept)


def merge_changes(
    spark: SparkSession,
    source: SourceConfig,
    checked: DataFrame,
    pending: Pending,
    folder: Path | None,
) -> tuple[Merged, str]:
    """Apply the new events of ``checked`` to ``silver.<source>``: its rows they change are
    deleted by key, the rows they make appended (commits one after the other: a run that dies
    between them leaves silver past its recorded commit, so the next run recomputes it).
    A key with a late event has its every event in bronze applied again, and all its rows
    replaced. Returns what it did, and the name of the deleted keys' new folder under
    ``folder`` ("": none kept)."""
    from pyspark.sql import functions as F

    cdc = source.silver.cdc
    assert cdc is not None
    table, keys = f"silver.{source.name}", cdc.keys
    events, replayed = checked, None
    if pending.late is not None and pending.replay is not None:
        late = F.broadcast(pending.late.alias("s"))
        events = checked.alias("t").join(late, same_key("t", "s", keys), "left_anti")
        replayed = checked_rows(pending.replay, source).localCheckpoint()
    rows = changes_continued(events, pending.current, source)
    if replayed is not None:
        rows = rows.unionByName(silver_of_checked(replayed, source))
    rows = rows.localCheckpoint()
    open_only = f"{{t}}`{END_AT}` IS NULL" if cdc.scd_type == 2 else ""
    _delete(spark, table, keys, pending.current, open_only)
    if pending.late is not None:
        _delete(spark, table, keys, pending.late, "")
    appended = rows.count()
    if appended:
        rows.writeTo(table).append()
    name = ""
    if pending.deletes is not None:
        assert folder is not None  # (the deleted keys were read from there)
        deleted = pending.deletes.alias("t").join(
            pending.keys.alias("s"), same_key("t", "s", keys), "left_anti"
        )
        deleted = deleted.unionByName(deleted_keys(events, source))
        if replayed is not None:
            deleted = deleted.unionByName(deleted_keys(replayed, source))
        name = write_deletes(deleted, folder)
    fresh = rows.alias("t").join(pending.removed.alias("s"), same_key("t", "s", keys), "left_anti")
    merged = Merged(
        fresh, pending.held, appended - pending.held, rows, pending.removed, pending.late_keys
    )
    return merged, name


def _delete(
    spark: SparkSession, table: str, keys: tuple[str, ...], rows: DataFrame, where: str
) -> None:
    """Delete the rows of ``table`` of the keys of ``rows`` that meet ``where``."""
    view = f"_changed_{table.replace('.', '_')}"
    rows.select(*keys).createOrReplaceTempView(view)
    try:
        on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
        delete_keys(spark, table, keys, view, on, where)
    finally:
        spark.catalog.dropTempView(view)


def write_deletes(deletes: DataFrame, folder: Path) -> str:
    """Write the deleted keys ``deletes`` to a new folder under ``folder``; returns its name."""
    name = uuid.uuid4().hex
    deletes.write.parquet(str(folder / name))
    return name
