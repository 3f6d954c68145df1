"""Compaction of small Delta files: the ops tables' appends, a stream's micro-batches.

Every run appends one small file to most ops tables, and every run reads two of them back
(the up-to-date check, the volume rule's history): those reads open one more file per run
recorded, 0.15-0.3 s more per 100 runs (``benchmarks/ops_history.py``). ``OPTIMIZE`` folds the
small files into one, and the reads open one file again. Delta's auto
compaction does the same after a commit, but its post-commit hook cost ~7 s in every fresh
``lakehouse run`` process (BENCHMARKS.md, session 11): compaction is a step of its own, run
every so many runs (``pipelines.local.compaction``) or by ``lakehouse optimize``. On
Databricks, predictive optimisation does it (with ``VACUUM`` and ``ANALYZE``): Terraform enables
it on the catalogs it creates (``enable_predictive_optimization = "ENABLE"``), and the ops tables
are Unity Catalog managed tables. Not verified on a workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pipelines.ops.tables import OPS_TABLES
from pipelines.ops.together import together

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Compacted", "compact", "ops_tables", "vacuum"]


@dataclass(frozen=True)
class Compacted:
    """What ``OPTIMIZE`` did to one table: the files it replaced and the files it wrote."""

    table: str
    removed: int
    added: int

    def line(self) -> str:
        if not self.removed:
            return f"{self.table}: nothing to compact"
        return f"{self.table}: {self.removed} files into {self.added}"


def ops_tables(spark: SparkSession) -> list[str]:
    """The ops tables that exist (a lakehouse that never ran has none)."""
    if not spark.catalog.databaseExists("ops"):
        return []
    present = {r.tableName for r in spark.sql("SHOW TABLES IN ops").collect() if not r.isTemporary}
    return [f"ops.{t}" for t in OPS_TABLES if t in present]


def compact(spark: SparkSession, tables: Sequence[str]) -> dict[str, Compacted | Exception]:
    """``OPTIMIZE`` each of ``tables`` (Delta tables), all at once; what each did, or the
    exception it raised, by table (in ``tables`` order). The rows are unchanged; the files
    replaced stay on disk for time travel until ``VACUUM``."""
    return together({t: partial(_optimize, spark, t) for t in tables})


def _optimize(spark: SparkSession, table: str) -> Compacted:
    metrics = spark.sql(f"OPTIMIZE {table}").collect()[0]["metrics"]
    return Compacted(table, int(metrics["numFilesRemoved"]), int(metrics["numFilesAdded"]))


def vacuum(spark: SparkSession, tables: Sequence[str]) -> dict[str, Exception | None]:
    """Delete the files compaction (or any rewrite) replaced in each of ``tables`` longer ago
    than Delta's retention (7 days by default), all at once; None or the exception raised, by
    table.

    ``VACUUM ... LITE`` takes the files to delete from the log: 2-3 s a small table here,
    where a full ``VACUUM`` lists the table's folder in a job and took 17-27 s. A table whose
    log no longer reaches back past the retention cannot be vacuumed that way: it gets the
    full one (``DELTA_CANNOT_VACUUM_LITE``).
    """
    return together({t: partial(_vacuum, spark, t) for t in tables})


def _vacuum(spark: SparkSession, table: str) -> None:
    try:
        spark.sql(f"VACUUM {table} LITE").collect()
    except Exception as exc:
        if "DELTA_CANNOT_VACUUM_LITE" not in str(exc):
            raise
        spark.sql(f"VACUUM {table}").collect()
