"""Two real runs on generated data, observed once (module-scoped in ``test_observed_runs``).

Run 1: a full refresh over two daily extracts. Run 2 (incremental, scheduled): a third day
lands together with a corrected extract of day 1 (same date, newer file), and the quality and
schema helpers' tables already hold a breach and a drift for it; alerts go to real webhook and
SMTP servers on loopback.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.alerts import AlertsConfig
from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_catalog
from pipelines.local.runner import RunResult, run_pipeline
from pipelines.ops.record import new_run_id
from pipelines.ops.tables import OPS_TABLES, append_rows
from tests.ops.servers import Recorder, smtp_server, webhook_server

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Observed:
    config: LakehouseConfig
    first: RunResult
    second: RunResult
    first_lines: list[str]
    second_lines: list[str]
    recorder: Recorder
    landing: Path
    files: tuple[Path, ...]  # the deliveries silver holds after run 2


def alerts_for_tests(smtp_port: int) -> AlertsConfig:
    return AlertsConfig.model_validate(
        {
            "rules": {"volume": {"min_history": 1, "window": 5, "k": 3.0, "min_band_pct": 10.0}},
            "destinations": [
                {"type": "slack", "webhook_secret": "ops_test_slack"},
                {"type": "teams", "webhook_secret": "ops_test_teams"},
                {"type": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "starttls": False,
                 "sender": "lakehouse@example.org", "recipients": ["oncall@example.org"]},
            ],
            "retry": {"attempts": 3, "backoff_seconds": 0.01},
        }
    )  # fmt: skip


def helper_quality_rows(run_id: str) -> list[dict[str, object]]:
    """What the quality helper records for a run (its code is not ours)."""
    return [
        {"run_id": run_id, "dataset": "silver.product_catalog", "rule": "year_release_plausible",
         "action": "quarantine", "failed_rows": 3, "checked_rows": 100, "failed_pct": 3.0,
         "threshold_pct": 1.0, "breached": True},
        {"run_id": run_id, "dataset": "silver.product_catalog", "rule": "brand_present",
         "action": "quarantine", "failed_rows": 0, "checked_rows": 100, "failed_pct": 0.0,
         "threshold_pct": 1.0, "breached": False},
    ]  # fmt: skip


def _helpers_rows(spark: SparkSession, run_id: str) -> None:
    """What the quality and schema helpers record for a run (their code is not ours)."""
    append_rows(spark, "quality_metrics", helper_quality_rows(run_id))
    append_rows(spark, "schema_changes", [
        {"run_id": run_id, "dataset": "bronze.product_catalog", "column_name": "colour",
         "change": "added", "old_type": None, "new_type": "string", "policy": "rescue",
         "detected_at": datetime(2026, 11, 21, 6, 0, tzinfo=UTC)},
    ])  # fmt: skip


def recorded_event_log(
    run: RunResult, rows_out: dict[str, int], started: datetime, ended: datetime
) -> list[dict[str, object]]:
    """The event log rows a Databricks pipeline update of ``run`` would have written, in the
    documented shape (``origin``/``details`` JSON strings): a scheduled update, each flow
    running then ending in its state with ``num_output_rows``, the update completed."""

    def event(
        at: datetime, kind: str, details: Mapping[str, object], **origin: str
    ) -> dict[str, object]:
        return {
            "id": f"{kind}-{len(events)}", "timestamp": at.isoformat(), "event_type": kind,
            "origin": json.dumps({"update_id": run.run_id, **origin}),
            "details": json.dumps(details), "error": None,
        }  # fmt: skip

    events: list[dict[str, object]] = []
    events.append(event(started, "create_update", {"create_update": {"cause": "JOB_TASK"}}))
    for name, flow in run.flows.items():
        origin = {"flow_name": name, "dataset_name": f"lakehouse_local.{name}"}
        running = {"flow_progress": {"status": "RUNNING"}}
        events.append(event(flow.started or started, "flow_progress", running, **origin))
        done = {"status": flow.state, "metrics": {"num_output_rows": rows_out.get(name, 0)}}
        events.append(
            event(flow.ended or ended, "flow_progress", {"flow_progress": done}, **origin)
        )
    events.append(event(ended, "update_progress", {"update_progress": {"state": "COMPLETED"}}))
    return events


def observe(
    spark: SparkSession,
    config: LakehouseConfig,
    lakehouse_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Observed:
    for table in OPS_TABLES:
        spark.sql(f"DROP TABLE IF EXISTS ops.{table}")
    root = tmp_path_factory.mktemp("ops_runs")
    folder = root / "landing" / "product_catalog"
    stats = generate_catalog(folder, rows_per_day=30, days=2)
    recorder = Recorder(failures=1)
    storage = (lakehouse_home / "pipeline_storage").as_uri()
    with (
        webhook_server(recorder) as url,
        smtp_server(recorder) as smtp_port,
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv("LAKEHOUSE_SECRET_OPS_TEST_SLACK", f"{url}/slack")
        env.setenv("LAKEHOUSE_SECRET_OPS_TEST_TEAMS", f"{url}/teams")
        # Its runs end with the alerts line (asserted): no compaction line may follow it
        # (tests/unit/test_ops_compaction.py has those).
        local = config.project.local.model_copy(update={"compact_ops_every": 0})
        project = config.project.model_copy(
            update={"alerts": alerts_for_tests(smtp_port), "local": local}
        )
        # the catalog and the marts on it (the other shipped sources have tests of their own)
        observed_config = replace(config.select(["product_catalog"]), project=project)
        landing = (root / "landing").as_uri()
        first_lines: list[str] = []
        first = run_pipeline(observed_config, spark, landing_root=landing, storage_root=storage,
                             full_refresh=True, echo=first_lines.append)  # fmt: skip

        day1, day2 = stats.files
        day3 = generate_catalog(root / "more", rows_per_day=30, days=3).files[2]
        shutil.move(day3, folder / day3.name)
        corrected = folder / day1.name.replace(".csv", "_v2" + day1.name[-13:])
        corrected.write_text("".join(day1.read_text().splitlines(keepends=True)[:11]))
        later = day1.stat().st_mtime + 60
        os.utime(corrected, (later, later))
        second_id = new_run_id()
        _helpers_rows(spark, second_id)
        second_lines: list[str] = []
        second = run_pipeline(observed_config, spark, landing_root=landing, storage_root=storage,
                              run_id=second_id, trigger="schedule", echo=second_lines.append)  # fmt: skip
    return Observed(
        observed_config, first, second, first_lines, second_lines, recorder, root / "landing",
        (corrected, day2, folder / day3.name),
    )  # fmt: skip
