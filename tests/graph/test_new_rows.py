"""Which bronze rows an increment takes as new (``pipelines.local.new_rows``), and which files
it reads to find them: a file it must not read is deleted from disk first, so reading it
would fail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import pytest

from pipelines.local.new_rows import newest_ingest, rows_after

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.spark]

_COLUMNS = "id INT, _ingested_at TIMESTAMP, _file_date DATE, _run_id STRING"
# Run r1's rows were ingested at ``through`` (10:00:00) and merged; r2's came after. Rows 3 and
# 4 were ingested within the millisecond after ``through``, which Delta's statistics cannot
# tell from it, by run r2 and by a run whose id sorts before r1's (a clock set back).
_THROUGH = "2026-01-01 10:00:00"
_BATCHES = {
    "bronze.new_rows_files": ["(1, TIMESTAMP'2026-01-01 10:00:00', NULL, 'r1')",
                              "(2, TIMESTAMP'2026-01-01 10:00:05', NULL, 'r2')"],
    "bronze.new_rows_same_ms": ["(1, TIMESTAMP'2026-01-01 10:00:00', NULL, 'r1')",
                                "(3, TIMESTAMP'2026-01-01 10:00:00.0005', NULL, 'r2')",
                                "(4, TIMESTAMP'2026-01-01 10:00:00.0007', NULL, 'r0')",
                                "(2, TIMESTAMP'2026-01-01 10:00:05', NULL, 'r2')"],
}  # fmt: skip


def _tables(spark: SparkSession, batches: dict[str, list[str]], properties: str = "") -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
    for table, rows in batches.items():
        spark.sql(f"DROP TABLE IF EXISTS {table}")
        spark.sql(f"CREATE TABLE {table} ({_COLUMNS}) USING delta {properties}")
        for batch in rows:  # a file each
            spark.sql(f"INSERT INTO {table} SELECT /*+ REPARTITION(1) */ * FROM VALUES {batch}")


def _delete_file_of(spark: SparkSession, table: str, row_id: int) -> None:
    query = f"SELECT DISTINCT _metadata.file_path FROM {table} WHERE id = {row_id}"
    ((path,),) = spark.sql(query).collect()
    Path(unquote(urlparse(path).path)).unlink()


def _drop(spark: SparkSession, tables: list[str]) -> None:
    for table in tables:
        spark.sql(f"DROP TABLE {table}")


def test_with_through_s_run_known_only_the_newer_files_are_read(spark: SparkSession) -> None:
    """The state keeps the run that ingested ``through``: the rows of that millisecond are new
    when another run ingested them, so the files of ``through``'s run are not read at all,
    not even for the summary (before, a first load's every file was read once per increment)."""
    _tables(spark, _BATCHES)
    for table in _BATCHES:
        _delete_file_of(spark, table, 1)

    new, seen = rows_after(spark.read.table("bronze.new_rows_files"), _THROUGH, "r2", "r1")
    assert (seen["rows"], seen["through"], seen["through_run"], seen["this_run"]) == (1, "2026-01-01 10:00:05", "r2", 1)  # fmt: skip
    assert [r.id for r in new.collect()] == [2]

    new, seen = rows_after(spark.read.table("bronze.new_rows_same_ms"), _THROUGH, "r2", "r1")
    assert (seen["rows"], seen["this_run"]) == (3, 2)
    assert sorted(r.id for r in new.collect()) == [2, 3, 4]
    _drop(spark, list(_BATCHES))


def test_without_through_s_run_the_summary_reads_every_file_at_through(spark: SparkSession) -> None:  # fmt: skip
    """A state kept by an earlier version has no run: the summary takes the exact condition
    (every file at ``through`` read), then the wide read takes the newer files alone (the old
    file is deleted once the summary is taken), unless a row was ingested within the
    millisecond after ``through``: then the exact condition's rows come back."""
    _tables(spark, _BATCHES)
    new, seen = rows_after(spark.read.table("bronze.new_rows_files"), _THROUGH, "r2")
    _delete_file_of(spark, "bronze.new_rows_files", 1)
    assert (seen["rows"], seen["through"], seen["through_run"], seen["this_run"]) == (1, "2026-01-01 10:00:05", "r2", 1)  # fmt: skip
    assert [r.id for r in new.collect()] == [2]

    new, seen = rows_after(spark.read.table("bronze.new_rows_same_ms"), _THROUGH, "r2")
    assert (seen["rows"], seen["this_run"]) == (3, 2)
    assert sorted(r.id for r in new.collect()) == [2, 3, 4]
    _drop(spark, list(_BATCHES))


def test_the_newest_ingest_is_read_from_the_newest_files(spark: SparkSession) -> None:
    """A refresh's ``through`` and its run, from the files whose kept maximum is the newest
    millisecond (the older file is deleted first), to the microsecond; when the newest kept
    maximum is a row deleted since (a deletion vector), from every file; an empty table has
    none."""
    batches = {
        "bronze.newest_ingest": ["(1, TIMESTAMP'2026-01-01 10:00:00', NULL, 'r1')",
                                 "(2, TIMESTAMP'2026-01-01 10:00:05.0002', NULL, 'r2'), "
                                 "(3, TIMESTAMP'2026-01-01 10:00:05.0004', NULL, 'r2')"],
        "bronze.newest_deleted": ["(1, TIMESTAMP'2026-01-01 10:00:00', NULL, 'r1')",
                                  "(2, TIMESTAMP'2026-01-01 10:00:05', NULL, 'r2'), "
                                  "(3, TIMESTAMP'2026-01-01 09:00:00', NULL, 'r2')"],
        "bronze.newest_empty": [],
    }  # fmt: skip
    _tables(spark, batches, "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")
    _delete_file_of(spark, "bronze.newest_ingest", 1)
    assert newest_ingest(spark, "bronze.newest_ingest") == ("2026-01-01 10:00:05.0004", "r2")

    spark.sql("DELETE FROM bronze.newest_deleted WHERE id = 2")  # (row 3 keeps the file)
    history = spark.sql("DESCRIBE HISTORY bronze.newest_deleted LIMIT 1").collect()[0]
    assert history["operationMetrics"]["numDeletionVectorsAdded"] == "1"
    assert newest_ingest(spark, "bronze.newest_deleted") == ("2026-01-01 10:00:00", "r1")
    assert newest_ingest(spark, "bronze.newest_empty") is None
    _drop(spark, list(batches))
