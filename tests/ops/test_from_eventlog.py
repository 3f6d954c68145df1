"""The daily job's last task on Databricks: event log rows into ops tables, each update once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pipelines.databricks.record_task import main
from pipelines.ops.eventlog import records_from_event_log
from pipelines.ops.from_eventlog import unrecorded
from tests.conftest import CONF
from tests.ops.test_eventlog import EVENTS, _event

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RUNNING = [
    _event(30, "create_update", {"create_update": {"cause": "USER_ACTION"}}, update_id="u-43"),
    _event(31, "update_progress", {"update_progress": {"state": "RUNNING"}}, update_id="u-43"),
]


def test_unrecorded_keeps_finished_runs_not_yet_recorded() -> None:
    records = records_from_event_log(EVENTS + RUNNING, target="prod")
    assert [r["run_id"] for r in records.runs] == ["u-42", "u-43"]
    fresh = unrecorded(records, recorded=set())
    assert [r["run_id"] for r in fresh.runs] == ["u-42"]  # u-43 is still running
    assert [f["dataset"] for f in fresh.flows] == [
        "bronze.catalog",
        "silver.catalog",
        "gold.team_a",
    ]
    assert unrecorded(records, recorded={"u-42"}).runs == ()
    assert unrecorded(records, recorded={"u-42"}).flows == ()


@pytest.mark.spark
def test_the_task_records_each_finished_update_once(
    spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    columns = ("id", "timestamp", "event_type", "origin", "details", "error")
    # Dated long ago: the session's other tests read "the latest runs" from the same table.
    old = [{**e, "timestamp": str(e["timestamp"]).replace("2026-11-21", "2020-01-01")}
           for e in EVENTS + RUNNING]  # fmt: skip
    rows = [tuple(e[c] for c in columns) for e in old]
    schema = ", ".join(f"{c} STRING" for c in columns)
    spark.createDataFrame(rows, schema).write.mode("overwrite").saveAsTable("ops.event_log_catalog")
    argv = ["--conf", str(CONF), "--catalog", "spark_catalog", "--pipeline", "catalog"]
    argv += ["--target", "prod"]

    assert main(argv, spark=spark) == 0
    assert main(argv, spark=spark) == 0  # rerun: nothing new

    assert capsys.readouterr().out.splitlines() == [
        "alerts: 1 raised (run_failure); deliveries: 2 skipped",  # as after a local run
        "catalog: recorded 1 run(s), 3 flow(s)",
        "catalog: recorded 0 run(s), 0 flow(s)",
    ]
    runs = spark.sql(
        "SELECT run_id, target, status, error_summary FROM ops.pipeline_runs "
        "WHERE run_id IN ('u-42', 'u-43')"
    ).collect()
    assert [tuple(r) for r in runs] == [("u-42", "prod", "FAILED", "UpdateFailed: 1 flow failed")]
    flows = spark.sql(
        "SELECT dataset, status, rows_out FROM ops.flow_metrics WHERE run_id = 'u-42' ORDER BY 1"
    ).collect()
    assert [tuple(r) for r in flows] == [
        ("bronze.catalog", "COMPLETED", 455),
        ("gold.team_a", "FAILED", None),
        ("silver.catalog", "COMPLETED", 440),
    ]
    alerts = spark.sql("SELECT incident_key, kind FROM ops.alerts WHERE run_id = 'u-42'").collect()
    assert [tuple(r) for r in alerts] == [("run_failure:u-42", "run_failure")]
    spark.sql("DROP TABLE ops.event_log_catalog")
