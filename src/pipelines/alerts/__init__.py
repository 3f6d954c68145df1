"""Alerts: rules that turn a run's records into incidents, and destinations that deliver them.

``rules`` is pure (records in, incidents out), ``payloads`` formats each service's message,
``deliver`` sends with retries, ``evaluate`` wires them to the ops tables after a run.
"""

from pipelines.alerts.model import Incident
from pipelines.alerts.rules import (
    dedupe,
    freshness_misses,
    quality_breaches,
    run_failure,
    schema_drift,
    volume_anomalies,
)

__all__ = [
    "Incident",
    "dedupe",
    "freshness_misses",
    "quality_breaches",
    "run_failure",
    "schema_drift",
    "volume_anomalies",
]
