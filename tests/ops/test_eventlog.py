"""Databricks event log rows -> the same ops rows a local run records (no Spark)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from pipelines.ops.eventlog import records_from_event_log
from pipelines.ops.tables import OPS_TABLES

ORIGIN = {"pipeline_id": "p-1", "update_id": "u-42", "cloud": "Azure", "region": "westeurope"}


def _event(
    second: int, kind: str, details: Mapping[str, object], **origin: str
) -> dict[str, object]:
    return {
        "id": f"e{second}",
        "timestamp": f"2026-11-21T06:00:{second:02d}.000Z",
        "event_type": kind,
        "level": "INFO",
        "message": "",
        "origin": json.dumps({**ORIGIN, **origin}),
        "details": json.dumps(details),
        "error": None,
    }


def _flow(second: int, dataset: str, status: str, **progress: object) -> dict[str, object]:
    details = {"flow_progress": {"status": status, **progress}}
    return _event(second, "flow_progress", details, flow_name=dataset, dataset_name=f"lakehouse_prod.{dataset}")  # fmt: skip


EVENTS = [
    _event(1, "create_update", {"create_update": {"cause": "JOB_TASK", "full_refresh": False}}),
    _event(2, "update_progress", {"update_progress": {"state": "RUNNING"}}),
    _flow(3, "bronze.catalog", "STARTING"),
    _flow(5, "bronze.catalog", "RUNNING", metrics={"num_output_rows": 300}),
    _flow(6, "bronze.catalog", "RUNNING", metrics={"num_output_rows": 155}),
    _flow(8, "bronze.catalog", "COMPLETED"),
    _flow(9, "silver.catalog", "RUNNING"),
    _flow(14, "silver.catalog", "COMPLETED", metrics={"num_output_rows": 440},
          data_quality={"dropped_records": 12, "expectations": []}),
    _flow(15, "gold.team_a", "STARTING"),
    {**_flow(17, "gold.team_a", "FAILED"),
     "error": json.dumps({"exceptions": [{"class_name": "ArithmeticException", "message": "Division by zero"}], "fatal": True})},
    {**_event(18, "update_progress", {"update_progress": {"state": "FAILED"}}),
     "error": json.dumps({"exceptions": [{"class_name": "UpdateFailed", "message": "1 flow failed"}]})},
]  # fmt: skip


def test_an_update_maps_to_one_run_and_one_row_per_flow() -> None:
    records = records_from_event_log(reversed(EVENTS), target="prod")  # any order

    def at(s: int) -> datetime:
        return datetime(2026, 11, 21, 6, 0, s, tzinfo=UTC)

    assert records.runs == (
        {
            "run_id": "u-42", "target": "prod", "trigger": "schedule",
            "parameters": '{"cause": "JOB_TASK", "full_refresh": false, '
            '"full_refresh_selection": [], "refresh_selection": []}',
            "started_at": at(1), "ended_at": at(18), "status": "FAILED",
            "error_summary": "UpdateFailed: 1 flow failed",
        },
    )  # fmt: skip
    assert records.flows == (
        {"run_id": "u-42", "dataset": "bronze.catalog", "layer": "bronze", "status": "COMPLETED",
         "rows_in": None, "rows_out": 455, "rows_quarantined": None, "seconds": 5.0, "error": None,
         "fingerprint": None},
        {"run_id": "u-42", "dataset": "silver.catalog", "layer": "silver", "status": "COMPLETED",
         "rows_in": None, "rows_out": 440, "rows_quarantined": 12, "seconds": 5.0, "error": None,
         "fingerprint": None},
        {"run_id": "u-42", "dataset": "gold.team_a", "layer": "gold", "status": "FAILED",
         "rows_in": None, "rows_out": None, "rows_quarantined": None, "seconds": 2.0,
         "error": "ArithmeticException: Division by zero", "fingerprint": None},
    )  # fmt: skip


def test_rows_have_exactly_the_ops_table_columns() -> None:
    records = records_from_event_log(EVENTS, target="prod")
    columns = {name: [c.strip().split(" ")[0] for c in ddl.split(",")] for name, ddl in OPS_TABLES.items()}  # fmt: skip
    assert [list(r) for r in records.runs] == [columns["pipeline_runs"]]
    assert {tuple(r) for r in records.flows} == {tuple(columns["flow_metrics"])}


def test_a_manual_update_still_running_and_events_without_update_are_ignored() -> None:
    events = [
        _event(1, "create_update", {"create_update": {"cause": "USER_ACTION", "full_refresh": True}}),
        _event(2, "update_progress", {"update_progress": {"state": "RUNNING"}}),
        {**_event(3, "user_action", {}), "origin": json.dumps({"pipeline_id": "p-1"})},
    ]  # fmt: skip
    [run] = records_from_event_log(events, target="dev").runs
    assert (run["trigger"], run["status"], run["ended_at"]) == ("manual", "RUNNING", None)
    assert json.loads(run["parameters"])["full_refresh"] is True
