"""``lakehouse status``: the last runs and their health, from the ops tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.ops.history import query_rows, recent_runs
from pipelines.output import render_table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["RunHealth", "read_status", "render_status", "run_health"]

Row = Mapping[str, Any]
COLUMNS = (
    "run",
    "started (UTC)",
    "seconds",
    "trigger",
    "status",
    "ok",
    "failed",
    "quarantined",
    "alerts",
)


@dataclass(frozen=True)
class RunHealth:
    """One line of ``lakehouse status``."""

    run_id: str
    started: str
    seconds: float | None
    trigger: str
    status: str
    datasets_ok: int
    datasets_failed: int
    quarantined: int
    alerts: int

    def cells(self) -> tuple[Any, ...]:
        """The values in ``COLUMNS`` order."""
        seconds = round(self.seconds, 1) if self.seconds is not None else None
        return (
            self.run_id, self.started, seconds, self.trigger, self.status,
            self.datasets_ok, self.datasets_failed, self.quarantined, self.alerts,
        )  # fmt: skip


def run_health(runs: Sequence[Row], flows: Sequence[Row], alerts: Sequence[Row]) -> list[RunHealth]:
    """Summarise each run from its ``pipeline_runs``, ``flow_metrics`` and ``alerts`` rows."""
    health = []
    for run in runs:
        mine = [f for f in flows if f["run_id"] == run["run_id"]]
        started, ended = run["started_at"], run["ended_at"]
        health.append(
            RunHealth(
                run_id=run["run_id"],
                started=f"{started:%Y-%m-%d %H:%M:%S}",
                seconds=(ended - started).total_seconds() if ended else None,
                trigger=run["trigger"],
                status=run["status"],
                datasets_ok=sum(f["status"] in {"COMPLETED", "UP_TO_DATE"} for f in mine),
                datasets_failed=sum(f["status"] == "FAILED" for f in mine),
                quarantined=sum(f["rows_quarantined"] or 0 for f in mine if f["layer"] == "silver"),
                alerts=sum(a["run_id"] == run["run_id"] for a in alerts),
            )
        )
    return health


def render_status(health: Sequence[RunHealth]) -> str:
    """The terminal table, newest run first."""
    if not health:
        return "no runs recorded yet (ops.pipeline_runs is empty): run `lakehouse run` first"
    return render_table(COLUMNS, [h.cells() for h in health], width=60)


def read_status(spark: SparkSession, limit: int) -> list[RunHealth]:
    """Health of the last ``limit`` runs."""
    runs = recent_runs(spark, limit)
    if not runs:
        return []
    since = min(r["started_at"] for r in runs)
    flows = query_rows(
        spark, ("pipeline_runs", "flow_metrics"),
        """SELECT f.* FROM ops.flow_metrics f JOIN ops.pipeline_runs r ON f.run_id = r.run_id
           WHERE r.started_at >= :since""",
        since=since,
    )  # fmt: skip
    alerts = query_rows(
        spark, ("pipeline_runs", "alerts"),
        """SELECT a.run_id FROM ops.alerts a JOIN ops.pipeline_runs r ON a.run_id = r.run_id
           WHERE r.started_at >= :since""",
        since=since,
    )  # fmt: skip
    return run_health(runs, flows, alerts)
