"""Alert rules: pure functions from a run's records (plain rows of the ops tables) to incidents."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pipelines.alerts.model import Incident
from pipelines.config.alerts import FreshnessRule, VolumeRule

__all__ = [
    "VolumeBand",
    "comparable_history",
    "dedupe",
    "freshness_misses",
    "quality_breaches",
    "run_failure",
    "schema_drift",
    "volume_anomalies",
    "volume_band",
]

Row = Mapping[str, Any]
_MAD_SCALE = 1.4826  # MAD -> standard deviation of a normal distribution


def run_failure(run: Row, flows: Sequence[Row]) -> list[Incident]:
    """The fallback: a run that did not complete is one critical incident naming what failed."""
    if run["status"] == "COMPLETED":
        return []
    failed = [f for f in flows if f["status"] == "FAILED"]
    lines = [f"{f['dataset']}: {f['error'] or 'failed'}" for f in failed]
    if not lines:
        lines = [run.get("error_summary") or run["status"].lower()]
    names = ", ".join(f["dataset"] for f in failed) or "the run"
    return [
        Incident(
            key=f"run_failure:{run['run_id']}",
            kind="run_failure",
            severity="critical",
            run_id=run["run_id"],
            dataset=None,
            title=f"Run {run['run_id']} {run['status'].lower()}: {names}",
            detail="\n".join(lines),
        )
    ]


def quality_breaches(run_id: str, quality_rows: Iterable[Row]) -> list[Incident]:
    """One incident per breached rule of ``ops.quality_metrics`` (however many rows failed)."""
    incidents = []
    for row in quality_rows:
        if row["run_id"] != run_id or not row["breached"]:
            continue
        incidents.append(
            Incident(
                key=f"quality_breach:{row['dataset']}:{row['rule']}",
                kind="quality_breach",
                severity="critical" if row["action"] == "fail" else "warning",
                run_id=run_id,
                dataset=row["dataset"],
                title=f"Quality rule {row['rule']} breached on {row['dataset']}",
                detail=(
                    f"{row['failed_rows']:,} of {row['checked_rows']:,} rows failed "
                    f"({row['failed_pct']:.2f}%, threshold {row['threshold_pct']:.2f}%, "
                    f"action {row['action']})"
                ),
            )
        )
    return incidents


def schema_drift(run_id: str, change_rows: Iterable[Row]) -> list[Incident]:
    """One incident per dataset whose schema changed in the run, listing every change."""
    by_dataset: dict[str, list[str]] = {}
    for row in change_rows:
        if row["run_id"] != run_id:
            continue
        types = " -> ".join(t for t in (row["old_type"], row["new_type"]) if t)
        if row["change"] == "renamed":  # the rows of older tables have no names
            types = f"{row['old_name']} -> {row['new_name']}"
        note = f"{row['column_name']}: {row['change']}" + (f" ({types})" if types else "")
        by_dataset.setdefault(row["dataset"], []).append(f"{note}, policy {row['policy']}")
    return [
        Incident(
            key=f"schema_drift:{dataset}",
            kind="schema_drift",
            severity="warning",
            run_id=run_id,
            dataset=dataset,
            title=f"Schema drift on {dataset}: {len(notes)} change(s)",
            detail="\n".join(notes),
        )
        for dataset, notes in by_dataset.items()
    ]


@dataclass(frozen=True)
class VolumeBand:
    """The accepted range of a dataset's row count, from its recent runs."""

    median: float
    low: float
    high: float

    def contains(self, value: int) -> bool:
        """Whether ``value`` is inside the band (bounds included)."""
        return self.low <= value <= self.high


def volume_band(history: Sequence[int], rule: VolumeRule) -> VolumeBand | None:
    """``median ± max(k·1.4826·MAD, min_band_pct% of median)`` of the newest ``window`` counts.

    ``None`` while fewer than ``min_history`` counts are known.
    """
    recent = list(history)[: rule.window]
    if len(recent) < rule.min_history:
        return None
    median = statistics.median(recent)
    mad = statistics.median(abs(n - median) for n in recent)
    half = max(rule.k * _MAD_SCALE * mad, rule.min_band_pct / 100 * median)
    return VolumeBand(median, median - half, median + half)


def comparable_history(
    rows: Iterable[Row], full_refresh: bool, appended: Iterable[str]
) -> dict[str, list[int]]:
    """Per dataset, the earlier counts a run's count can be compared with, newest first.

    ``rows`` hold ``dataset, rows_out, full_refresh`` of earlier runs, newest first. A dataset
    in ``appended`` (a streaming table: it counts the rows a run appended) is compared only with
    runs of the same kind: a full refresh reads every file, an incremental run only new ones.
    """
    same_kind_only = set(appended)
    history: dict[str, list[int]] = {}
    for row in rows:
        if row["dataset"] in same_kind_only and bool(row["full_refresh"]) != full_refresh:
            continue
        history.setdefault(row["dataset"], []).append(int(row["rows_out"]))
    return history


def volume_anomalies(
    run_id: str,
    current: Mapping[str, int | None],
    history: Mapping[str, Sequence[int]],
    rule: VolumeRule,
) -> list[Incident]:
    """Datasets whose row count this run is outside the band of their recent runs.

    ``history`` holds, per dataset, the counts of earlier successful runs, newest first.
    """
    incidents = []
    for dataset, count in current.items():
        band = volume_band(history.get(dataset, ()), rule)
        if count is None or band is None or band.contains(count):
            continue
        runs = min(len(history[dataset]), rule.window)
        incidents.append(
            Incident(
                key=f"volume_anomaly:{dataset}",
                kind="volume_anomaly",
                severity="warning",
                run_id=run_id,
                dataset=dataset,
                title=f"Unusual row count on {dataset}: {count:,}",
                detail=(
                    f"{count:,} rows; expected {band.low:,.0f} to {band.high:,.0f} "
                    f"(median {band.median:,.0f} of the last {runs} runs)"
                ),
            )
        )
    return incidents


def freshness_misses(
    run_id: str,
    now: datetime,
    ready: Mapping[str, Sequence[datetime]],
    earlier_run_ends: Sequence[datetime],
    rule: FreshnessRule,
) -> list[Incident]:
    """Datasets not refreshed today by the deadline, reported by the first run after it.

    ``ready`` holds, per dataset, when runs that completed it ended (this run included);
    ``earlier_run_ends`` when the earlier runs ended (a run that ended after today's deadline
    already reported today's misses). Datetimes are timezone-aware.
    """
    zone = ZoneInfo(rule.timezone)
    local_now = now.astimezone(zone)
    deadline = datetime.combine(local_now.date(), rule.deadline, zone)
    day_start = datetime.combine(local_now.date(), datetime.min.time(), zone)
    if local_now < deadline or any(deadline <= end < now for end in earlier_run_ends):
        return []
    incidents = []
    for dataset, times in ready.items():
        today = sorted(t for t in times if t >= day_start)
        if today and today[0] <= deadline:
            continue
        late = f"ready at {today[0].astimezone(zone):%H:%M}" if today else "not refreshed today"
        incidents.append(
            Incident(
                key=f"freshness:{dataset}:{local_now.date().isoformat()}",
                kind="freshness",
                severity="critical",
                run_id=run_id,
                dataset=dataset,
                title=f"{dataset} missed its {rule.deadline:%H:%M} {rule.timezone} deadline",
                detail=f"{dataset} was {late} on {local_now.date().isoformat()}",
            )
        )
    return incidents


def dedupe(incidents: Iterable[Incident]) -> list[Incident]:
    """One incident per key, the first one found, in order."""
    seen: dict[str, Incident] = {}
    for incident in incidents:
        seen.setdefault(incident.key, incident)
    return list(seen.values())
