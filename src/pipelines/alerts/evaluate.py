"""After a run: apply the configured rules to the ops tables, record and deliver incidents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from pipelines.alerts.deliver import Delivery, SecretResolver, Sleep, deliver
from pipelines.alerts.model import Incident
from pipelines.alerts.rules import (
    comparable_history,
    dedupe,
    freshness_misses,
    quality_breaches,
    run_failure,
    schema_drift,
    volume_anomalies,
)
from pipelines.config.loader import LakehouseConfig
from pipelines.ops.history import (
    TableRows,
    as_utc,
    completion_times,
    count_history,
    run_ends,
    run_rows,
)
from pipelines.ops.tables import append_rows
from pipelines.ops.together import together
from pipelines.redact import scrub_text

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["AlertOutcome", "alert_reads", "alert_rows", "evaluate_run", "read_at_once"]

Row = Mapping[str, Any]
Record = dict[str, Any]


@dataclass(frozen=True)
class AlertOutcome:
    """The incidents of a run and what became of each at each destination."""

    incidents: tuple[Incident, ...] = ()
    deliveries: tuple[Delivery, ...] = ()

    def summary(self) -> str:
        """One line for the run summary."""
        if not self.incidents:
            return "alerts: none"
        sent: dict[str, int] = {}
        for delivery in self.deliveries:
            sent[delivery.status] = sent.get(delivery.status, 0) + 1
        states = ", ".join(f"{n} {status}" for status, n in sorted(sent.items()))
        kinds = ", ".join(sorted({i.kind for i in self.incidents}))
        states = states or "no destination"
        return f"alerts: {len(self.incidents)} raised ({kinds}); deliveries: {states}"


def evaluate_run(
    spark: SparkSession,
    config: LakehouseConfig,
    run: Row,
    flows: Sequence[Row],
    *,
    table_format: str | None = "delta",
    appended: Collection[str] = (),
    secrets: SecretResolver,
    sleep: Sleep = time.sleep,
    records: Mapping[str, list[Record]] | None = None,
) -> AlertOutcome:
    """Raise the run's incidents (one per key), deliver them, append them to ``ops.alerts``.

    ``run`` and ``flows`` are the run's ``pipeline_runs`` and ``flow_metrics`` rows (already
    appended, so they are part of the history the rules read); ``appended`` names the streaming
    tables (their counts are rows appended by a run). ``records``: the rows of
    ``alert_reads``, when already read; else they are read here. ``secrets``: how the
    destinations' secrets are read (the platform's lookup).
    """
    alerts = config.project.alerts
    if not alerts.enabled:
        return AlertOutcome()
    rules, run_id = alerts.rules, run["run_id"]
    read = records if records is not None else read_at_once(alert_reads(spark, config, run_id))
    found: list[Incident] = []
    if rules.run_failure:
        found += run_failure(run, flows)
    if rules.quality_breach:
        found += quality_breaches(run_id, read["quality_metrics"])
    if rules.schema_drift:
        found += schema_drift(run_id, read["schema_changes"])
    if rules.volume.enabled:
        current = _counted(flows)
        full_refresh = bool(json.loads(run["parameters"] or "{}").get("full_refresh", False))
        history = comparable_history(read.get("history", []), full_refresh, appended)
        found += volume_anomalies(run_id, current, history, rules.volume)
    if rules.freshness.enabled:
        now = as_utc(run["ended_at"] or datetime.now(UTC))
        since = now - timedelta(days=2)
        names = rules.freshness.datasets or tuple(f"gold.{g.name}" for g in config.gold)
        ready = completion_times(spark, names, since)
        found += freshness_misses(
            run_id, now, ready, run_ends(spark, since, run_id), rules.freshness
        )
    # details quote errors, and errors quote URLs: no key leaves in a message or ops.alerts
    incidents = [
        replace(i, title=scrub_text(i.title), detail=scrub_text(i.detail)) for i in dedupe(found)
    ]
    origin = f"{config.project.name}/{run['target']}"
    deliveries = deliver(incidents, alerts, origin, secrets, sleep) if incidents else []
    append_rows(spark, "alerts", alert_rows(incidents, deliveries), table_format)
    return AlertOutcome(tuple(incidents), tuple(deliveries))


def alert_reads(
    spark: SparkSession,
    config: LakehouseConfig,
    run_id: str,
    flows: Sequence[Row] | None = None,
    files: TableRows | None = None,
) -> dict[str, Callable[[], list[Record]]]:
    """The reads of ops rows the enabled rules need (``evaluate_run``'s ``records``), by name:
    ``quality_metrics`` and ``schema_changes`` (the run's rows) and ``history`` (other runs').

    ``flows``: the run's ``flow_metrics`` rows, when known. The volume rule compares the
    rows of the flows that completed with their history; a run where none did (nothing new:
    every flow up to date) has nothing to compare, and the history, the slowest of these
    reads, is not read. ``files``: how the platform reads an ops table's rows from its files
    (``pipelines.ops.history.TableRows``), when it can."""
    rules = config.project.alerts.rules
    reads: dict[str, Callable[[], list[Record]]] = {}
    if not config.project.alerts.enabled:
        return reads
    if rules.quality_breach:
        reads["quality_metrics"] = partial(run_rows, spark, "quality_metrics", run_id, files)
    if rules.schema_drift:
        reads["schema_changes"] = partial(run_rows, spark, "schema_changes", run_id, files)
    if rules.volume.enabled and (flows is None or _counted(flows)):
        reads["history"] = partial(count_history, spark, run_id, rules.volume.window, files)
    return reads


def _counted(flows: Sequence[Row]) -> dict[str, int | None]:
    """The rows out of each flow that completed (what the volume rule compares)."""
    return {f["dataset"]: f["rows_out"] for f in flows if f["status"] == "COMPLETED"}


def read_at_once(reads: Mapping[str, Callable[[], list[Record]]]) -> dict[str, list[Record]]:
    """Run ``reads`` at once (small queries); raises the first that failed."""
    read = together(reads)
    for rows in read.values():
        if isinstance(rows, Exception):
            raise rows
    return cast("dict[str, list[Record]]", read)


def alert_rows(
    incidents: Sequence[Incident], deliveries: Sequence[Delivery]
) -> list[dict[str, Any]]:
    """``ops.alerts`` rows: one per incident, with where it was delivered."""
    raised_at = datetime.now(UTC)
    rows = []
    for incident in incidents:
        mine = [d for d in deliveries if d.incident_key == incident.key]
        rows.append(
            {
                "run_id": incident.run_id,
                "incident_key": incident.key,
                "kind": incident.kind,
                "severity": incident.severity,
                "dataset": incident.dataset,
                "title": incident.title,
                "detail": incident.detail,
                "raised_at": raised_at,
                "deliveries": ", ".join(f"{d.destination}:{d.status}" for d in mine) or None,
            }
        )
    return rows
