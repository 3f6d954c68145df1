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
    done = [f.name for ended in finished for f in ended]
    assert done == ["bronze.x", "silver.x"]
    assert tracker.flows["bronze.x"].seconds == 2.0
    assert tracker.failed == {"silver.x": "Error: [DIVIDE_BY_ZERO] Division by zero."}
    assert tracker.run_state == "FAILED"


def test_a_late_progress_event_does_not_reopen_a_completed_flow() -> None:
    tracker = RunTracker()
    script = [
        "Flow spark_catalog.gold.x is RUNNING.",
        "Flow spark_catalog.gold.x has COMPLETED.",
        "Flow spark_catalog.gold.x is RUNNING.",  # late: polled before the end, sent after
    ]
    [tracker.observe(m, T0 + timedelta(seconds=i)) for i, m in enumerate(script)]
    flow = tracker.flows["gold.x"]
    assert (flow.state, flow.seconds) == ("COMPLETED", 1.0)


def test_a_flow_ended_once_is_said_once_when_its_end_comes_again() -> None:
    tracker = RunTracker()
    script = [
        "Flow spark_catalog.gold.x is RUNNING.",
        "Flow spark_catalog.gold.y is RUNNING.",
        "Flow spark_catalog.gold.x has COMPLETED.",
        "Flow spark_catalog.gold.x has COMPLETED.",  # the same end, sent twice
        "Run is COMPLETED.",  # ends gold.y, whose own last event comes after
        "Flow spark_catalog.gold.y has COMPLETED.",
    ]
    finished = [tracker.observe(m, T0 + timedelta(seconds=i)) for i, m in enumerate(script)]
    assert [[f.name for f in ended] for ended in finished] == [
        [], [], ["gold.x"], [], ["gold.y"], []]  # fmt: skip
    assert (tracker.flows["gold.x"].seconds, tracker.flows["gold.y"].seconds) == (2.0, 3.0)


def test_a_failed_flow_that_the_engine_retries_can_still_complete() -> None:
    tracker = RunTracker()
    script = [
        "Flow spark_catalog.silver.x is RUNNING.",
        "Flow spark_catalog.silver.x has FAILED. Error: [FILE_NOT_EXIST] gone.",
        "Flow spark_catalog.silver.x is RUNNING.",
        "Flow spark_catalog.silver.x has COMPLETED.",
    ]
    [tracker.observe(m, T0 + timedelta(seconds=i)) for i, m in enumerate(script)]
    flow = tracker.flows["silver.x"]
    assert (flow.state, flow.seconds, tracker.failed) == ("COMPLETED", 3.0, {})


def test_a_flow_whose_last_event_came_after_the_run_completed_is_completed() -> None:
    tracker = RunTracker()
    script = [
        "Flow spark_catalog.silver.x is RUNNING.",
        "Flow spark_catalog.gold.x is RUNNING.",
        "Flow spark_catalog.silver.x has COMPLETED.",
        "Run is COMPLETED.",  # gold.x's own COMPLETED was sent after the stream closed
    ]
    ended = [tracker.observe(m, T0 + timedelta(seconds=i)) for i, m in enumerate(script)]
    gold = tracker.flows["gold.x"]
    assert (gold.state, gold.seconds, tracker.failed) == ("COMPLETED", 2.0, {})
    # each flow is returned once, by the event that ended it: the run's, for gold.x
    assert [[f.name for f in flows] for flows in ended] == [[], [], ["silver.x"], ["gold.x"]]
