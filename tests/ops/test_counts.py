"""A run's counts of its tables (``pipelines.ops.counts``): read from Delta's log where Delta
can answer, from this run's files where it cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from pipelines.ops.counts import table_aggregates, tally
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = [pytest.mark.spark]

TABLE = "counts_test.events"


@pytest.fixture
def two_runs(spark: SparkSession) -> Iterator[dict[str, Path]]:
    """A Delta table appended by two runs, one file each: run r1's 3 rows, then r2's 2.
    Yields each run's data file."""
    spark.sql("CREATE DATABASE IF NOT EXISTS counts_test")
    spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
    files: dict[str, Path] = {}
    for run_id, ids in (("r1", [1, 2, 3]), ("r2", [4, 5])):
        rows = spark.createDataFrame([(i, run_id) for i in ids], "id INT, _run_id STRING")
        rows.coalesce(1).write.format("delta").mode("append").saveAsTable(TABLE)
        (detail,) = spark.sql(f"DESCRIBE DETAIL {TABLE}").collect()
        location = Path(urlparse(detail["location"]).path)
        (new,) = {*location.glob("*.parquet")} - set(files.values())
        files[run_id] = new
    yield files
    spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
    spark.sql("DROP DATABASE IF EXISTS counts_test")


def _spec(kind: str) -> DatasetSpec:
    def query(spark: SparkSession) -> DataFrame:
        return spark.read.table(TABLE)

    return DatasetSpec(name=TABLE, kind=kind, query=query)  # type: ignore[arg-type]


def test_a_tables_rows_come_from_its_log_and_a_runs_rows_from_its_own_files(
    spark: SparkSession, two_runs: dict[str, Path]
) -> None:
    """After a daily run the counts read no file of the history: the table's rows are Delta's
    ``numRecords`` in the log, and the rows this run appended skip every file whose
    ``_run_id`` statistics exclude it. Shown by removing run r1's file behind Delta's back:
    counting still works, where a scan fails on the missing file."""
    spec = _spec("streaming_table")
    expected = {TABLE: 5, f"{TABLE}#appended": 2}
    assert tally(table_aggregates(spark, [spec], "r2")) == expected

    two_runs["r1"].unlink()

    assert tally(table_aggregates(spark, [spec], "r2")) == expected
    assert tally(table_aggregates(spark, [_spec("materialized_view")], "r2")) == {TABLE: 5}
    with pytest.raises(Exception, match=r"\[FAILED_READ_FILE\.FILE_NOT_EXIST\]"):
        spark.read.table(TABLE).where("_run_id = 'r1'").count()
