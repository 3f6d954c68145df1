"""A JDBC snapshot read once per local run, not twice.

Before a local run, a snapshot source (a table or query without ``incremental``) is compared
with its bronze table (``pipelines.layers.snapshot``): when the database serves the rows bronze
holds, the source's tables are left as they are. That comparison needs a full read of the
source, and when the rows did change, the graph used to read them all again: two full reads
of a production database in every run that changes anything, the load scenario C moves
analytics off that database to avoid. Now the comparison's read is written to Parquet under
the extracts root (``<extracts>/_snapshots/<source>/<run id>``, hidden from the extracts'
own listing, renamed into place once whole; the rows are digested as the job writes them)
and bronze reads that copy (``bronze_pii`` does, for a source with PII, and bronze masks its
rows: ``SourceType.read_once``): one read of the database per run, and bronze holds exactly
the rows that were compared. A copy costs a write that a quiet table would pay in every run for
nothing, so it is made only when the rows changed at the last comparison too: a table that
changes run after run is read once per run, an unchanged one once without a copy, and the
first change after quiet runs twice (the comparison, then the graph), as before.

Only where pre-run work runs (``Platform.runs_pre_run_work``: locally). On Databricks no
comparison runs, and bronze reads the database as before. A run's copy holds raw values (PII
included, as the incremental extracts do): it is replaced by the mark once the run's graph
has run (``copy_to_mark``: the next run still copies its read), a full refresh deletes it, and
an unchanged snapshot's copy goes at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.sources.jdbc import extract_schema, read_jdbc
from pipelines.sources.snapshot_copy import copy_root, staged_copy
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["copy_to_mark", "read_snapshot_once", "staged_snapshot"]

CHANGED = "changed"
"""A source's mark that its last comparison found the rows changed: left without a copy, or
in its copy's place once the run's graph has run (``copy_to_mark``)."""


def read_snapshot_once(spark: SparkSession, config: SourceConfig, context: RunContext) -> bool:
    """Whether the database serves exactly the rows ``config``'s bronze holds, from one read
    (``staged_snapshot``: bronze then takes it) when the rows differed last time too. False
    when there is no bronze table yet (the graph reads the database itself) or the read fails
    (the graph reads it again and says what went wrong)."""
    from pipelines.layers.bronze import ingested_rows
    from pipelines.layers.snapshot import digest

    folders = context.adapter.extract_folders()
    root = copy_root(context, config)
    # Left by the last comparison only when the rows had changed: its copy, or its mark.
    changed_last = bool(folders.extracts(root))
    folders.remove(root)  # never read again
    if not spark.catalog.tableExists(config.bronze_table):
        return False
    if changed_last:
        return _compared_and_copied(spark, config, context, root)
    # Unchanged last time: compared without a copy, which would cost a write every quiet run;
    # when the rows differ after all, the graph reads the database again, once, and the mark
    # says to copy next time (a table that changes run after run is read once per run).
    try:
        fresh = digest(ingested_rows(spark, config, context))
        same = fresh == digest(spark.read.table(config.bronze_table))
    except Exception:  # the graph's own read reports it
        return False
    if not same:
        folders.mark(f"{root}/{CHANGED}")
    return same


def _compared_and_copied(
    spark: SparkSession, config: SourceConfig, context: RunContext, root: str
) -> bool:
    """The comparison of one read that is also written under ``root`` (kept as this run's
    copy when the rows differ, for bronze to take; nothing is left when they do not)."""
    from pyspark.sql import Observation

    from pipelines.layers.bronze import ingested_rows
    from pipelines.layers.snapshot import digest, digest_columns

    folders = context.adapter.extract_folders()
    staging = f"{root}/_staging"
    read = read_jdbc(spark, config, platform=context.adapter)
    # One job reads the database, writes the copy and, on the way, digests the rows as
    # bronze would hash them: no second pass over the copy or the database.
    seen = Observation("snapshot")
    rows = ingested_rows(spark, config, context, read).observe(seen, *digest_columns())
    try:
        rows.select(*read.columns).write.mode("overwrite").parquet(staging)
        fresh = tuple(seen.get.values())
        stored = digest(spark.read.table(config.bronze_table))
    except Exception:  # the graph's own read reports it
        folders.remove(root)
        return False
    if fresh == stored:
        folders.remove(root)
        return True
    folders.move(staging, f"{root}/{context.run_id}")
    return False


def staged_snapshot(
    spark: SparkSession, config: SourceConfig, context: RunContext
) -> DataFrame | None:
    """This run's copy of the snapshot (``read_snapshot_once``), or None: then the database
    is read."""
    return staged_copy(spark, config, context, extract_schema(config))


def copy_to_mark(config: SourceConfig, context: RunContext) -> None:
    """Once this run's graph has run: its copy of ``config``'s snapshot, if it made one,
    replaced by the mark that the rows changed (the copy holds raw values, and no other run
    reads it; the mark makes the next run copy its read too)."""
    folders = context.adapter.extract_folders()
    root = copy_root(context, config)
    if context.run_id in folders.extracts(root):
        folders.remove(f"{root}/{context.run_id}")
        folders.mark(f"{root}/{CHANGED}")
