from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from pipelines.errors import LakehouseError
from pipelines.ops import OPS_TABLES, append_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.mark.spark
def test_append_rows_creates_the_table_then_appends(spark: SparkSession) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    spark.sql("DROP TABLE IF EXISTS ops.pipeline_runs")
    row = {
        "run_id": "r1", "target": "local", "trigger": "manual", "parameters": "{}",
        "started_at": datetime(2026, 11, 21, 6, 0), "ended_at": datetime(2026, 11, 21, 6, 1),
        "status": "COMPLETED",
    }  # fmt: skip
    assert append_rows(spark, "pipeline_runs", [row]) == 1
    assert append_rows(spark, "pipeline_runs", [{**row, "run_id": "r2", "status": "FAILED"}]) == 1
    got = spark.sql("SELECT run_id, status, error_summary FROM ops.pipeline_runs ORDER BY run_id")
    assert [tuple(r) for r in got.collect()] == [("r1", "COMPLETED", None), ("r2", "FAILED", None)]


def _files(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE DETAIL {table}").collect()[0]["numFiles"])


@pytest.mark.spark
def test_ops_tables_stay_a_few_files_however_many_runs_append(spark: SparkSession) -> None:
    """One file per append, and Delta's auto compaction (here once 3 small files gathered,
    50 by default) folds them into one; a table created without it gets it on its next append."""
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    spark.sql("DROP TABLE IF EXISTS ops.reconciliation")
    spark.sql(f"CREATE TABLE ops.reconciliation ({OPS_TABLES['reconciliation']}) USING delta")
    row = {"run_id": "r1", "dataset": "a", "rows_read": 1, "balanced": True}
    first = [{**row, "dataset": name} for name in "abcdefghijkl"]  # a run's rows, one per source
    assert append_rows(spark, "reconciliation", first) == 12
    properties = spark.sql("SHOW TBLPROPERTIES ops.reconciliation").collect()
    assert {r["key"]: r["value"] for r in properties}["delta.autoOptimize.autoCompact"] == "true"
    assert _files(spark, "ops.reconciliation") == 1  # 12 rows, one file
    spark.conf.set("spark.databricks.delta.autoCompact.minNumFiles", "3")
    try:
        append_rows(spark, "reconciliation", [{**row, "run_id": "r2"}])
        assert _files(spark, "ops.reconciliation") == 2
        append_rows(spark, "reconciliation", [{**row, "run_id": "r3"}])
        assert _files(spark, "ops.reconciliation") == 1  # compacted after the third file
    finally:
        spark.conf.unset("spark.databricks.delta.autoCompact.minNumFiles")
    got = spark.sql("SELECT run_id, count(*) FROM ops.reconciliation GROUP BY 1 ORDER BY 1")
    assert [tuple(r) for r in got.collect()] == [("r1", 12), ("r2", 1), ("r3", 1)]


def test_append_rows_rejects_unknown_tables_and_columns() -> None:
    with pytest.raises(LakehouseError, match=r"^unknown ops table 'runs'; known: pipeline_runs,"):
        append_rows(None, "runs", [])  # type: ignore[arg-type]
    with pytest.raises(LakehouseError, match=r"^ops.flow_metrics: unknown column\(s\) rows$"):
        append_rows(None, "flow_metrics", [{"rows": 1}])  # type: ignore[arg-type]
