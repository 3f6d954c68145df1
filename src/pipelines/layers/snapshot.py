"""Whether a snapshot source still holds what its bronze table holds.

A source read as a snapshot (a JDBC table or query without ``incremental``) is a materialized
view: every run reads it whole and recomputes its bronze, silver, quarantine and all that reads
them. When the database serves the same rows as last time, that work changes nothing. Reading
the rows once more, before the graph, is the only way to know (a table keeps no trace of its
changes that every database offers), and it is cheap next to the recomputation it saves: one
read and one aggregate, against a read, every layer's rewrite and the gold models'.

The comparison is by bronze's own ``_content_hash`` (keyed in a PII source, so the hashes of
the fresh read are the stored ones exactly), as a multiset: the row count and three sums of
60-bit slices of the hashes, exact in ``decimal(38,0)``. Row order and partitioning do not
matter; a changed, added or removed row changes the sums (short of a deliberate collision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig
from pipelines.layers.bronze import ingested_rows
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["snapshot_unchanged"]

_SLICES = (1, 16, 31)
"""Where each 15-hex-digit (60-bit) slice of the 64-digit SHA-256 hex starts."""


def snapshot_unchanged(spark: SparkSession, source: SourceConfig, context: RunContext) -> bool:
    """Whether a fresh read of ``source`` gives exactly the rows of its bronze table.

    False whenever it is not certain: no bronze table yet, or a read that fails (the graph's
    own read then reports why).
    """
    if not spark.catalog.tableExists(source.bronze_table):
        return False
    try:
        fresh = _digest(ingested_rows(spark, source, context))
        stored = _digest(spark.read.table(source.bronze_table))
    except Exception:  # not certain: the graph reads the source and says what went wrong
        return False
    return fresh == stored


def _digest(rows: DataFrame) -> tuple[object, ...]:
    from pyspark.sql import functions as F

    digest = F.col("_content_hash")
    sums = [
        F.sum(F.conv(F.substring(digest, start, 15), 16, 10).cast("decimal(38,0)"))
        for start in _SLICES
    ]
    return tuple(rows.agg(F.count(F.lit(1)), *sums).collect()[0])
