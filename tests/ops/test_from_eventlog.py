"""The daily job's last task on Databricks: event log rows into ops tables, each update once."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import pytest

from pipelines.alerts.deliver import lookup_secret
from pipelines.config import load_config
from pipelines.databricks.record_task import main
from pipelines.errors import PipelineRunError
from pipelines.events import FlowState
from pipelines.graph import build_graph
from pipelines.ops.eventlog import records_from_event_log
from pipelines.ops.from_eventlog import unrecorded
from pipelines.ops.hook import record_run
from pipelines.ops.record import RunInfo, flow_rows, run_row
from pipelines.platform import platform_for
from pipelines.spec import RunContext
from tests.conftest import CONF
from tests.ops.test_eventlog import EVENTS, _event
from tests.unit.test_pii_errors import CAST, HIDDEN

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
        # The failed update ran none of the pipeline's own tables (the recorded events name
        # others): no reconciliation row, said per source, as after a local run.
        "ops: ops.reconciliation has no row for orders_cdc: none of its tables ran",
        "ops: ops.reconciliation has no row for product_catalog: none of its tables ran",
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


@pytest.mark.spark
def test_a_pii_flows_error_reaches_no_ops_row_and_no_alert(
    spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    """``record_run``, the one path both platforms record through, withholds it."""
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    config = load_config(CONF)
    specs = build_graph(config, RunContext("r-pii-error", "file:///landing"))
    error = PipelineRunError({"bronze_pii.customer_feed": CAST})
    started = datetime(2020, 1, 2, tzinfo=UTC)  # long ago: other tests read the latest runs
    info = RunInfo("r-pii-error", "local", "manual", {}, started, started, "FAILED", str(error))
    flows = {"bronze_pii.customer_feed": FlowState("bronze_pii.customer_feed", "FAILED", error=CAST)}  # fmt: skip
    rows = flow_rows(info.run_id, [s.name for s in specs], flows, {})

    secrets = partial(lookup_secret, platform=platform_for("local"))
    record_run(spark, config, specs, run_row(info), rows, secrets=secrets)

    where = "WHERE run_id = 'r-pii-error'"
    assert spark.sql(f"SELECT error_summary FROM ops.pipeline_runs {where}").collect()[0][0] == (
        f"1 dataset(s) failed:\n  bronze_pii.customer_feed: {HIDDEN}"
    )
    failed = spark.sql(f"SELECT dataset, error FROM ops.flow_metrics {where} AND error IS NOT NULL")
    assert [tuple(r) for r in failed.collect()] == [("bronze_pii.customer_feed", HIDDEN)]
    alerts = spark.sql(f"SELECT to_json(struct(*)) FROM ops.alerts {where}").collect()
    assert alerts  # the run failure raised one
    assert all("jane.doe" not in r[0] for r in alerts)
    assert "jane.doe" not in capsys.readouterr().out
