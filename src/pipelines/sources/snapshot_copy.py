"""Where a local run keeps the copy of a snapshot it has read already, for bronze to take.

A snapshot source (a JDBC table or query, a REST endpoint, a MongoDB collection, without an
increment) is compared with its bronze table before a local run: when it serves what bronze
holds, its tables are left as they are. That comparison reads the source whole; when the rows
differ, the copy of that read is what the graph takes, so that the source is read once per
run and bronze holds exactly the rows compared (``jdbc_snapshot``, ``record_snapshot``).

A copy is Parquet under ``<extracts>/_snapshots/<source>/<run id>`` (hidden from the
extracts' own listing) and holds raw values, PII included, as the incremental extracts do.
Only the run that wrote it reads it (its run id names it), so it is deleted once that run's
graph has run, whatever its outcome (``SourceType.after_run``); the source's next comparison
deletes a copy left by a run that died first, and a full refresh deletes them all
(``forget_copies``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.sources.jdbc_extract import extract_root
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = ["SNAPSHOTS", "copy_root", "forget_copies", "staged_copy"]

SNAPSHOTS = "_snapshots"
"""The folder under the extracts root of the snapshots' copies (hidden: ``_``)."""


def copy_root(context: RunContext, config: SourceConfig) -> str:
    """The folder of ``config``'s copies (each run's under its id)."""
    return extract_root(f"{context.extracts.rstrip('/')}/{SNAPSHOTS}", config.name)


def staged_copy(
    spark: SparkSession, config: SourceConfig, context: RunContext, schema: StructType
) -> DataFrame | None:
    """This run's copy of ``config``'s snapshot, or None (then the source is read)."""
    if not context.adapter.runs_pre_run_work:
        return None
    root = copy_root(context, config)
    if context.run_id not in context.adapter.extract_folders().extracts(root):
        return None
    return spark.read.schema(schema).parquet(f"{root}/{context.run_id}")


def forget_copies(config: SourceConfig, context: RunContext) -> None:
    """Delete ``config``'s copies (a full refresh), where a run makes them (locally)."""
    if context.adapter.runs_pre_run_work:
        context.adapter.extract_folders().remove(copy_root(context, config))
