"""Which of bronze's rows are new to silver, read from bronze's newest files alone.

An increment (``pipelines.local.increments``) applies the bronze rows ingested after
``through``, the newest ``_ingested_at`` its last refresh applied. Every micro-batch stamps
its rows with one ``_ingested_at``, and Delta keeps each file's minimum and maximum of it, so a
filter on it should read the newer files only. Two things stand in the way:

- **Delta keeps a timestamp's statistics in milliseconds** and reads a file's maximum as up to
  a millisecond later than kept. A file of rows ingested at ``through`` itself "may hold" a row
  after it, and is read by ``_ingested_at > through``. After a first load, whose one batch
  stamped every row with ``through``, that is all of bronze: the first day's increment over
  1,095 daily files read them all (BENCHMARKS.md, session 34). ``> through + 1 ms``
  skips those files, but would miss a row of another batch stamped within that millisecond.
  Such a row comes from another run than ``through``'s: a run's rows were all ingested when
  its refresh recorded ``through`` (runs of a home take turns). So the rows of that
  millisecond are taken only when their ``_run_id`` is not ``through``'s run, a condition
  ``_run_id``'s statistics decide per file: the files at ``through`` hold that run's rows
  alone, and are skipped. The result is exactly ``_ingested_at > through``.
- **``max(_ingested_at)`` is not answered from the statistics** (Delta answers ``max`` of a
  number or a date from them, not of a timestamp, whose statistics are truncated): the
  refresh's ``through`` was a scan of every bronze file. The log's newest maximum, floored to
  its millisecond, bounds it from below, so only the newest millisecond's files are read.

A state kept by an earlier version has no run (``""``): its rows are found as before (the
exact condition's summary, then the files past ``through + 1 ms`` when it holds the same
rows), and the refresh after it keeps the run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipelines.local.table_logs import TableLogs

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

__all__ = ["newest_ingest", "rows_after"]

_INGESTED, _RUN = "_ingested_at", "_run_id"


def rows_after(
    bronze: DataFrame, through: str, run_id: str, through_run: str = ""
) -> tuple[DataFrame, Row]:
    """The rows of ``bronze`` ingested after ``through`` (by run ``through_run``; "": not
    known), and what they are: ``rows``, their newest ``through`` and its ``through_run``,
    their delivery ``dates``, and ``this_run``'s rows among them (run ``run_id``)."""
    from pyspark.sql import functions as F

    stamp = F.lit(through).cast("timestamp")
    later = stamp + F.expr("INTERVAL 1 MILLISECOND")
    after, clear = F.col(_INGESTED) > stamp, F.col(_INGESTED) > later
    if through_run:
        run = F.col(_RUN)
        other_run = run.isNull() | (run < through_run) | (run > through_run)
        new = clear | (after & (F.col(_INGESTED) <= later) & other_run)
    else:
        new = after
    seen = (
        bronze.where(new)
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.max(_INGESTED).cast("string").alias("through"),
            F.max_by(_RUN, _INGESTED).alias("through_run"),
            F.collect_set("_file_date").alias("dates"),
            F.count_if(F.col(_RUN) == run_id).alias("this_run"),
            F.count_if(clear).alias("clear"),
        )
        .collect()[0]
    )
    if through_run or seen["clear"] != seen["rows"]:
        return bronze.where(new), seen
    return bronze.where(clear), seen  # the same rows, from the newer files alone


def newest_ingest(spark: SparkSession, table: str) -> tuple[str, str] | None:
    """The newest ``_ingested_at`` of bronze ``table``, as Spark prints it, and the run that
    ingested it (None: the table has no row)."""
    floor = _newest_statistic(TableLogs.of(spark).newest_maxima(table, _INGESTED))
    query = f"SELECT CAST(max({_INGESTED}) AS STRING), max_by({_RUN}, {_INGESTED}) FROM {table}"
    if floor is not None:
        # The statistic may be a row deleted since (a deletion vector): then ask every file.
        newest = spark.sql(f"{query} WHERE {_INGESTED} >= TIMESTAMP'{floor}'").collect()[0]
        if newest[0] is not None:
            return newest[0], newest[1] or ""
    newest = spark.sql(query).collect()[0]
    return None if newest[0] is None else (newest[0], newest[1] or "")


def _newest_statistic(maxima: list[str] | None) -> str | None:
    """The latest of the files' kept maxima (ISO 8601 with an offset, in milliseconds), as a
    UTC literal Spark reads whatever its session's time zone (None: not every file kept one)."""
    if not maxima:
        return None
    try:
        newest = max(datetime.fromisoformat(m) for m in maxima)
    except ValueError:
        return None
    if newest.tzinfo is None:
        return None
    return newest.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%fZ")
