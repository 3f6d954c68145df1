"""Following a run through the messages the pipeline server sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.events import RunTracker

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_tracker_times_flows_and_collects_failures() -> None:
    tracker = RunTracker()
    script = [
        "Flow spark_catalog.bronze.x is QUEUED.",
        "Flow spark_catalog.bronze.x is STARTING.",
        "Flow spark_catalog.bronze.x is RUNNING.",
        "Flow spark_catalog.bronze.x has COMPLETED.",
        "Flow spark_catalog.silver.x is PLANNING.",
        "Flow spark_catalog.silver.x has FAILED. Error: [DIVIDE_BY_ZERO] Division by zero.",
        "Run is FAILED.",
    ]
    finished = [tracker.observe(m, T0 + timedelta(seconds=i)) for i, m in enumerate(script)]
    done = [f.name for f in finished if f is not None]
    assert done == ["bronze.x", "silver.x"]
    assert tracker.flows["bronze.x"].seconds == 2.0
    assert tracker.failed == {"silver.x": "Error: [DIVIDE_BY_ZERO] Division by zero."}
    assert tracker.run_state == "FAILED"
