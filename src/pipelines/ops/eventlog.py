"""Databricks pipeline event log -> the same ``ops`` rows a local run records (pure).

On Databricks the runner does not follow the run: a job task after the pipeline reads the
event log (``event_log(TABLE(...))`` or the pipeline's event log table) and appends what this
module returns, so one set of reports and alerts serves both targets.

Event log rows have the documented columns ``id, timestamp, event_type, level, message, origin,
details, error``; ``origin``, ``details`` and ``error`` are JSON strings (dicts are accepted
too). Used here:

- ``create_update``: ``details.create_update.cause`` (``JOB_TASK`` = scheduled) and the refresh
  selection -> trigger and parameters; its time starts the run.
- ``update_progress``: ``details.update_progress.state``; a terminal state ends the run.
- ``flow_progress``: ``details.flow_progress.status``, ``.metrics.num_output_rows`` and
  ``.data_quality.dropped_records`` per flow (``origin.flow_name``/``origin.dataset_name``).

``origin.update_id`` is the run id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.ops.record import layer_of
from pipelines.redact import scrub_text

__all__ = ["EventLogRecords", "records_from_event_log"]

_RUN_DONE = {"COMPLETED", "FAILED", "CANCELED"}
_FLOW_DONE = {"COMPLETED", "FAILED", "STOPPED", "SKIPPED", "IDLE", "EXCLUDED"}
_FLOW_START = {"STARTING", "RUNNING", "PLANNING"}


@dataclass(frozen=True)
class EventLogRecords:
    """Rows for ``ops.pipeline_runs`` and ``ops.flow_metrics``."""

    runs: tuple[dict[str, Any], ...]
    flows: tuple[dict[str, Any], ...]


@dataclass
class _Flow:
    dataset: str
    status: str = "QUEUED"
    started: datetime | None = None
    ended: datetime | None = None
    rows_out: int | None = None
    dropped: int | None = None
    error: str | None = None


@dataclass
class _Run:
    run_id: str
    started: datetime
    ended: datetime | None = None
    status: str = "RUNNING"
    trigger: str = "manual"
    parameters: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    flows: dict[str, _Flow] = field(default_factory=dict)


def records_from_event_log(events: Iterable[Mapping[str, Any]], target: str) -> EventLogRecords:
    """Map event log rows (any order) of one or more updates to ops rows, runs by start time."""
    runs: dict[str, _Run] = {}
    for event in sorted(events, key=lambda e: (_time(e["timestamp"]), str(e.get("id", "")))):
        origin, details = _json(event.get("origin")), _json(event.get("details"))
        update = origin.get("update_id")
        if not update:
            continue
        at = _time(event["timestamp"])
        run = runs.setdefault(update, _Run(update, at))
        kind = event.get("event_type")
        if kind == "create_update":
            _create(run, details.get("create_update", {}), at)
        elif kind == "update_progress":
            state = details.get("update_progress", {}).get("state", "")
            run.status = state if state in _RUN_DONE else "RUNNING"
            if state in _RUN_DONE:
                run.ended = at
                run.error = _error(event.get("error")) or run.error
        elif kind == "flow_progress":
            name = _dataset(origin.get("dataset_name") or origin.get("flow_name") or "")
            flow = run.flows.setdefault(name, _Flow(name))
            _progress(flow, details.get("flow_progress", {}), at, event.get("error"))
    ordered = sorted(runs.values(), key=lambda r: r.started)
    return EventLogRecords(
        tuple(_run_row(r, target) for r in ordered),
        tuple(_flow_row(r.run_id, f) for r in ordered for f in r.flows.values()),
    )


def _create(run: _Run, details: Mapping[str, Any], at: datetime) -> None:
    run.started = min(run.started, at)
    cause = details.get("cause", "")
    run.trigger = "schedule" if cause == "JOB_TASK" else "manual"
    run.parameters = {
        "cause": cause,
        "full_refresh": bool(details.get("full_refresh", False)),
        "full_refresh_selection": list(details.get("full_refresh_selection", [])),
        "refresh_selection": list(details.get("refresh_selection", [])),
    }


def _progress(flow: _Flow, progress: Mapping[str, Any], at: datetime, error: Any) -> None:
    status = progress.get("status", flow.status)
    flow.status = status
    if status in _FLOW_START and flow.started is None:
        flow.started = at
    if status in _FLOW_DONE:
        flow.ended = at
        flow.started = flow.started or at
    rows = progress.get("metrics", {}).get("num_output_rows")
    if rows is not None:
        flow.rows_out = (flow.rows_out or 0) + int(rows)
    dropped = progress.get("data_quality", {}).get("dropped_records")
    if dropped is not None:
        flow.dropped = (flow.dropped or 0) + int(dropped)
    if status == "FAILED":
        flow.error = _error(error) or "failed"


def _run_row(run: _Run, target: str) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "target": target,
        "trigger": run.trigger,
        "parameters": json.dumps(run.parameters, sort_keys=True),
        "started_at": run.started,
        "ended_at": run.ended,
        "status": run.status,
        "error_summary": scrub_text(run.error) if run.error else None,
    }


def _flow_row(run_id: str, flow: _Flow) -> dict[str, Any]:
    seconds = (flow.ended - flow.started).total_seconds() if flow.ended and flow.started else 0.0
    return {
        "run_id": run_id,
        "dataset": flow.dataset,
        "layer": layer_of(flow.dataset),
        "status": flow.status,
        "rows_in": None,
        "rows_out": flow.rows_out,
        "rows_quarantined": flow.dropped,
        "seconds": seconds,
        "error": scrub_text(flow.error) if flow.error else None,
        "fingerprint": None,  # local runs only (pipelines.ops.up_to_date)
    }


def _json(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    parsed = json.loads(value) if isinstance(value, str) else value
    return dict(parsed) if isinstance(parsed, Mapping) else {}


def _time(value: Any) -> datetime:
    at = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if not isinstance(at, datetime):
        raise TypeError(f"event timestamp must be a datetime or ISO string, got {value!r}")
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _error(value: Any) -> str | None:
    """First exception message of the event's ``error`` (``{"exceptions": [...]}``)."""
    error = _json(value)
    for exception in error.get("exceptions", []):
        text = f"{exception.get('class_name', 'Error')}: {exception.get('message', '')}"
        return text.strip()[:2000]
    return None


def _dataset(name: str) -> str:
    """``cat.silver.x`` or `` `silver`.`x` `` -> ``silver.x``."""
    parts = name.replace("`", "").split(".")
    return ".".join(parts[-2:])
