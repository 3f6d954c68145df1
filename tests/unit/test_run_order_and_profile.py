"""The runner's check that no view started before its inputs ended, and the run profile
(no Spark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.config.loader import LakehouseConfig
from pipelines.events import RunTracker
from pipelines.graph import RunContext, build_graph
from pipelines.local.runner import _started_early
from pipelines.profile import Profile

BRONZE, SILVER, QUARANTINE = (
    f"{layer}.product_catalog" for layer in ("bronze", "silver", "quarantine")
)


def _at(second: int) -> datetime:
    return datetime(2026, 11, 21, 5, 0, second, tzinfo=UTC)


def _tracker(events: list[tuple[int, str, str]]) -> RunTracker:
    tracker = RunTracker()
    for second, name, state in events:
        tracker.observe(f"Flow '{name}' is {state}.", _at(second))
    return tracker


def test_a_view_that_started_before_its_input_ended_is_named(config: LakehouseConfig) -> None:
    specs = build_graph(config.select(["product_catalog"]), RunContext("r", "file:///l"))
    names = [s.name for s in specs]
    ordered = _tracker([
        (0, BRONZE, "RUNNING"), (5, BRONZE, "COMPLETED"),
        (6, SILVER, "RUNNING"), (6, QUARANTINE, "RUNNING"),
        (9, SILVER, "COMPLETED"), (9, QUARANTINE, "COMPLETED"),
    ])  # fmt: skip
    assert _started_early(specs, ordered, names) == []
    early = _tracker([
        (0, BRONZE, "RUNNING"), (1, SILVER, "RUNNING"), (5, BRONZE, "COMPLETED"),
        (6, QUARANTINE, "RUNNING"), (9, SILVER, "COMPLETED"), (9, QUARANTINE, "COMPLETED"),
    ])  # fmt: skip
    assert _started_early(specs, early, names) == [SILVER]
    # stamped on two threads: a reader may seem to start a moment before its input's end
    race = _tracker([
        (0, BRONZE, "RUNNING"), (5, BRONZE, "COMPLETED"),
        (6, SILVER, "RUNNING"), (6, QUARANTINE, "RUNNING"),
        (9, SILVER, "COMPLETED"), (9, QUARANTINE, "COMPLETED"),
    ])  # fmt: skip
    race.flows[SILVER].started = _at(5) - timedelta(milliseconds=3)
    assert _started_early(specs, race, names) == []
    # an input outside this phase (ingested by an earlier one) does not count
    assert _started_early(specs, early, [SILVER, QUARANTINE]) == []


def test_profile_lists_nested_steps_under_their_step_and_totals_the_top_level() -> None:
    profile = Profile()
    with profile.step("pipeline"):
        with profile.step("register graph"):
            pass
        profile.add("flows", 2.5)
    profile.add("counts", 1.25)
    names = [(depth, name) for depth, name, _ in profile.steps]
    assert names == [(0, "pipeline"), (1, "register graph"), (1, "flows"), (0, "counts")]
    lines = profile.report()
    assert lines[0] == "profile (wall seconds):"
    assert lines[3] == f"    {'flows':<42}    2.50"
    assert lines[4] == f"  {'counts':<44}    1.25"
    total = profile.seconds("pipeline") + 1.25
    assert lines[-1] == f"  {'total':<44} {total:7.2f}"


def test_steps_timed_apart_are_merged_nested_in_the_step_running_now() -> None:
    """Each source's increment is timed in a thread of its own (``Profile.merge``): its steps
    land under the step that ran them all, in the order merged."""
    profile, first, second = Profile(), Profile(), Profile()
    first.add("increment of a", 2.0)
    with second.step("increment of b"):
        second.add("silver merged", 1.5)
    with profile.step("increments"):
        profile.merge(first)
        profile.merge(second)
    named = [(depth, name) for depth, name, _ in profile.steps]
    assert named == [(0, "increments"), (1, "increment of a"), (1, "increment of b"), (2, "silver merged")]  # fmt: skip
    assert (profile.seconds("increment of a"), profile.seconds("silver merged")) == (2.0, 1.5)
