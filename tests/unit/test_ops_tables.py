from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from pipelines.errors import LakehouseError
from pipelines.ops import append_rows

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


def test_append_rows_rejects_unknown_tables_and_columns() -> None:
    with pytest.raises(LakehouseError, match=r"^unknown ops table 'runs'; known: pipeline_runs,"):
        append_rows(None, "runs", [])  # type: ignore[arg-type]
    with pytest.raises(LakehouseError, match=r"^ops.flow_metrics: unknown column\(s\) rows$"):
        append_rows(None, "flow_metrics", [{"rows": 1}])  # type: ignore[arg-type]
