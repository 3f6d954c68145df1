"""Independent calls run at once; results and errors come back by name, in order."""

from __future__ import annotations

import threading

from pipelines.ops.together import Started, together


def test_calls_run_at_once_and_come_back_by_name() -> None:
    barrier = threading.Barrier(3, timeout=5)  # passes only if all three run at the same time

    def wait_then(value: int) -> int:
        barrier.wait()
        return value

    outcome = together(
        {"c": lambda: wait_then(3), "a": lambda: wait_then(1), "b": lambda: wait_then(2)}
    )
    assert list(outcome.items()) == [("c", 3), ("a", 1), ("b", 2)]


def test_an_exception_is_returned_not_raised() -> None:
    def fail() -> int:
        raise ValueError("ops.alerts: no such table")

    outcome = together({"ok": lambda: 1, "bad": fail})
    assert outcome["ok"] == 1
    assert isinstance(outcome["bad"], ValueError)
    assert str(outcome["bad"]) == "ops.alerts: no such table"


def test_started_calls_run_while_the_caller_works_on() -> None:
    """``Started``: the calls run from the moment it is made, beside the caller's own work
    (the alert reads beside the run's counts), and ``results`` waits for them."""
    running = threading.Event()

    def read() -> str:
        running.set()
        return "history"

    def fail() -> str:
        raise RuntimeError("ops.flow_metrics: no such table")

    started = Started({"history": read, "schema_changes": fail})
    assert running.wait(timeout=5)  # running before anyone asked for the results
    outcome = started.results()
    assert list(outcome) == ["history", "schema_changes"]
    assert outcome["history"] == "history"
    assert str(outcome["schema_changes"]) == "ops.flow_metrics: no such table"
