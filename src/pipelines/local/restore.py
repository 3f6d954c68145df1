"""Keep a failed materialized view's last good data (Delta time travel).

The engine empties every materialized view it is about to recompute before its flow starts
(a refresh recomputes the whole view), so a view whose flow then fails, or that the engine
skips because an input failed, would be left with 0 rows until the next good run. A run must
never leave a table emptier than before: each of them is restored to the version it had
before the run (``RESTORE TABLE``), which Delta keeps in its log. Parquet tables have no
versions: they stay as the engine left them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["keep_last_good"]


def keep_last_good(spark: SparkSession, names: Sequence[str], since: datetime) -> list[str]:
    """Restore each table of ``names`` to its newest version committed before ``since`` (an
    aware datetime: when the run that emptied it started); returns the tables restored.

    A table created by this run, or not written since ``since``, is left alone.
    """
    from pyspark.sql import functions as F

    restored = []
    for name in names:
        if not spark.catalog.tableExists(name):  # never created: nothing to keep
            continue
        history = spark.sql(f"DESCRIBE HISTORY {name}")
        earlier = F.when(F.col("timestamp") < F.lit(since), F.col("version"))
        version, newest = history.agg(F.max(earlier), F.max("version")).collect()[0]
        if version is None or version == newest:  # new, or not touched by this run
            continue
        spark.sql(f"RESTORE TABLE {name} TO VERSION AS OF {int(version)}")
        restored.append(name)
    return restored
