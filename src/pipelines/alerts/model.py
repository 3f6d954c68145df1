"""An incident: one thing worth telling someone about, however many rows it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Incident", "IncidentKind", "Severity"]

IncidentKind = Literal[
    "run_failure", "quality_breach", "volume_anomaly", "freshness", "schema_drift"
]
Severity = Literal["critical", "warning"]


@dataclass(frozen=True)
class Incident:
    """One incident of one run.

    Attributes:
        key: Identifies the incident: two findings with the same key are one message.
        kind: Which rule raised it.
        severity: ``critical`` (a run or an SLA failed) or ``warning``.
        run_id: The run it was found after.
        dataset: The dataset concerned, if one.
        title: One line, the message's headline.
        detail: A few lines of facts (counts, errors).
    """

    key: str
    kind: IncidentKind
    severity: Severity
    run_id: str
    dataset: str | None
    title: str
    detail: str
