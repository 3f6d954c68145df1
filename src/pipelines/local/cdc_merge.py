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
- **When.** Every new event must come after the last event applied to its key (silver's
  sequence value, or its delete). An event at or before it needs the key's whole history,
  which only the engine's recompute reads: the run says so and recomputes. Such late events
  are the exception a feed's ``sequence_by`` exists for; the common day is in order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.layers.silver import changes_continued, deleted_keys
from pipelines.local.silver_writes import Merged, delete_keys
from pipelines.transforms.cdc import END_AT
from pipelines.transforms.quality import valid_rows

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["Pending", "merge_changes", "pending_changes", "write_deletes"]


@dataclass(frozen=True)
class Pending:
    """New change events checked against silver: none is late, they can be merged."""

    current: DataFrame  # silver's rows the events can change (kept: read before the merge)
    held: int  # how many
    keys: DataFrame  # the events' keys
    deletes: DataFrame | None  # the deleted keys kept (None: the source deletes none)


def _same(keys: tuple[str, ...]) -> Column:
    """``t`` and ``s`` have the same key (nulls equal, as the recompute's windows group them)."""
    from pyspark.sql import functions as F

    pairs = [F.col(f"t.`{k}`").eqNullSafe(F.col(f"s.`{k}`")) for k in keys]
    return reduce(lambda a, b: a & b, pairs)


def pending_changes(
    spark: SparkSession, source: SourceConfig, checked: DataFrame, deletes: Path | None
) -> Pending | str:
    """The new events of ``checked`` (rows ``checked_rows`` returned) against silver and the
    kept deleted keys (``deletes``: their folder, None when the source deletes none); or why
    they cannot be applied alone."""
    from pyspark.sql import functions as F

    cdc = source.silver.cdc
    assert cdc is not None
    keys, seq = cdc.keys, cdc.sequence_by
    firsts = valid_rows(checked).groupBy(*keys).agg(F.min(seq).alias("_first")).localCheckpoint()
    silver = spark.read.table(f"silver.{source.name}")
    if cdc.scd_type == 2:
        silver = silver.where(F.col(END_AT).isNull())
    # A day's keys are few: broadcast, silver's files are joined as they are read.
    current = (
        silver.alias("t")
        .join(F.broadcast(firsts.alias("s")), _same(keys), "left_semi")
        .localCheckpoint()
    )
    known = current.select(*keys, seq)
    kept = None if deletes is None else spark.read.parquet(str(deletes))
    if kept is not None:
        known = known.unionByName(kept)
    late = (
        firsts.alias("s")
        .join(known.alias("t"), _same(keys))
        .where(~F.coalesce(F.col("s._first") > F.col(f"t.`{seq}`"), F.lit(False)))
        .count()
    )
    if late:
        return f"change events of {late:,} keys are not after the last one applied to them"
    return Pending(current, current.count(), firsts.select(*keys), kept)


def merge_changes(
    spark: SparkSession, source: SourceConfig, checked: DataFrame, pending: Pending, folder: Path
) -> tuple[Merged, str]:
    """Apply the new events of ``checked`` to ``silver.<source>``: its rows they change are
    deleted by key, the rows they make appended (two commits: a run that dies between them
    leaves silver past its recorded commit, so the next run recomputes it). Returns what it
    did, and the name of the deleted keys' new folder under ``folder`` ("": none kept)."""
    cdc = source.silver.cdc
    assert cdc is not None
    table, keys = f"silver.{source.name}", cdc.keys
    rows = changes_continued(checked, pending.current, source).localCheckpoint()
    if pending.held:
        view = f"_changed_{source.name}"
        pending.current.select(*keys).createOrReplaceTempView(view)
        try:
            on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
            open_only = f"{{t}}`{END_AT}` IS NULL" if cdc.scd_type == 2 else ""
            delete_keys(spark, table, keys, view, on, open_only)
        finally:
            spark.catalog.dropTempView(view)
    appended = rows.count()
    if appended:
        rows.writeTo(table).append()
    name = ""
    if pending.deletes is not None:
        name = write_deletes(
            pending.deletes.alias("t").join(pending.keys.alias("s"), _same(keys), "left_anti")
            .unionByName(deleted_keys(checked, source)),
            folder,
        )  # fmt: skip
    fresh = rows.alias("t").join(pending.current.alias("s"), _same(keys), "left_anti")
    merged = Merged(fresh, pending.held, appended - pending.held, rows, pending.current)
    return merged, name


def write_deletes(deletes: DataFrame, folder: Path) -> str:
    """Write the deleted keys ``deletes`` to a new folder under ``folder``; returns its name."""
    name = uuid.uuid4().hex
    deletes.write.parquet(str(folder / name))
    return name
