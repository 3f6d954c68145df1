"""Rows of ``ops.pipeline_runs`` and ``ops.flow_metrics`` for one run, built without Spark."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipelines.events import FlowState
from pipelines.redact import scrub_text

__all__ = [
    "DatasetCounts",
    "RunInfo",
    "flow_rows",
    "layer_of",
    "new_run_id",
    "run_row",
    "run_status",
]

_MAX_ERROR = 2000


@dataclass(frozen=True)
class RunInfo:
    """What is known of a run before it starts (and its end, once it ended)."""

    run_id: str
    target: str
    trigger: str
    parameters: Mapping[str, Any]
    started_at: datetime
    ended_at: datetime | None = None
    status: str = "RUNNING"
    error_summary: str | None = None


@dataclass(frozen=True)
class DatasetCounts:
    """Row counts of one dataset after a run (``None``: not measured)."""

    rows_in: int | None = None
    rows_out: int | None = None
    rows_quarantined: int | None = None


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261121T010203Z-1a2b3c`` (a local run's id; on Databricks the
    pipeline update id is the run id)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def run_status(error: BaseException | None) -> str:
    """``COMPLETED``, ``CANCELED`` (interrupted) or ``FAILED``."""
    if error is None:
        return "COMPLETED"
    if isinstance(error, KeyboardInterrupt):
        return "CANCELED"
    return "FAILED"


def layer_of(dataset: str) -> str:
    """``silver.x`` -> ``silver``; a name without schema has layer ``view``."""
    return dataset.split(".", maxsplit=1)[0] if "." in dataset else "view"


def run_row(info: RunInfo) -> dict[str, Any]:
    """The ``ops.pipeline_runs`` row of a run (parameters as sorted JSON)."""
    error = info.error_summary
    return {
        "run_id": info.run_id,
        "target": info.target,
        "trigger": info.trigger,
        "parameters": json.dumps(dict(info.parameters), sort_keys=True, default=str),
        "started_at": info.started_at,
        "ended_at": info.ended_at,
        "status": info.status,
        "error_summary": scrub_text(error)[:_MAX_ERROR] if error else None,  # no URL keys
    }


def flow_rows(
    run_id: str,
    datasets: Sequence[str],
    flows: Mapping[str, FlowState],
    counts: Mapping[str, DatasetCounts],
    fingerprints: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One ``ops.flow_metrics`` row per dataset of the graph, in graph order.

    A dataset the run never reached (an upstream failure ended the run first) is ``SKIPPED``.
    ``fingerprints``: each dataset's definition (``pipelines.ops.up_to_date``), when known.
    """
    rows = []
    for name in datasets:
        flow = flows.get(name)
        measured = counts.get(name, DatasetCounts())
        rows.append(
            {
                "run_id": run_id,
                "dataset": name,
                "layer": layer_of(name),
                "status": flow.state if flow else "SKIPPED",
                "rows_in": measured.rows_in,
                "rows_out": measured.rows_out,
                "rows_quarantined": measured.rows_quarantined,
                "seconds": round(flow.seconds, 3) if flow else 0.0,
                "error": (scrub_text(flow.error)[:_MAX_ERROR] or None)
                if flow and flow.state == "FAILED"
                else None,
                "fingerprint": (fingerprints or {}).get(name),
            }
        )
    return rows
