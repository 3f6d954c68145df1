"""Each dataset's newest recorded state, from ops rows already read
(``pipelines.ops.history.newest_states``): what the up-to-date check's query gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.ops.history import counts_of_runs, newest_states

RUNS: list[dict[str, Any]] = [
    {"run_id": "r1", "started_at": datetime(2026, 1, 1)},
    {"run_id": "r2", "started_at": datetime(2026, 1, 3)},
    {"run_id": "r3", "started_at": datetime(2026, 1, 2)},
    {"run_id": "r4", "started_at": None},
]


def _flow(dataset: str, run_id: str, status: str, fingerprint: str | None = "f") -> dict[str, Any]:
    return {"dataset": dataset, "run_id": run_id, "status": status, "fingerprint": fingerprint}


def test_the_newest_run_by_its_start_wins_not_the_order_read() -> None:
    """By start time (r2 started after r3), an unstarted run last (NULLS LAST, as the query's
    ``ORDER BY started_at DESC``), a flow of an unrecorded run left out (the query's join)."""
    flows = [
        _flow("silver.a", "r2", "COMPLETED", "new"),
        _flow("silver.a", "r3", "FAILED"),
        _flow("silver.a", "r4", "FAILED"),
        _flow("silver.a", "r1", "COMPLETED", "old"),
        _flow("silver.b", "r4", "UP_TO_DATE", None),
        _flow("silver.c", "gone", "COMPLETED"),
        _flow("silver.d", "r1", "COMPLETED"),
    ]
    assert newest_states(flows, RUNS, {"silver.a", "silver.b", "silver.c"}) == {
        "silver.a": ("new", "COMPLETED"),
        "silver.b": (None, "UP_TO_DATE"),
    }


def _run(run_id: str, started: datetime | None, parameters: str | None, status: str = "COMPLETED") -> dict[str, Any]:  # fmt: skip
    return {"run_id": run_id, "started_at": started, "parameters": parameters, "status": status}


def test_the_volume_history_of_rows_already_read_is_the_querys() -> None:
    """``counts_of_runs`` is ``count_history``'s query: completed flows of completed runs
    but the excluded one, a window per dataset and kind of run (``$.full_refresh`` true as a
    JSON boolean or string), newest by start, an unstarted run last, ties by run id."""
    full, daily = '{"full_refresh": true}', '{"full_refresh": false}'
    runs = [
        _run("a", datetime(2026, 1, 1), full),
        _run("b", datetime(2026, 1, 2), daily),
        _run("c", datetime(2026, 1, 3), '{"full_refresh": "true"}'),
        _run("d", datetime(2026, 1, 4), "not json"),  # no flag: not a full refresh
        _run("e", datetime(2026, 1, 4), None),  # the same start as d: e first (run id DESC)
        _run("f", None, daily),  # never started: last
        _run("g", datetime(2026, 1, 5), daily, status="FAILED"),
        _run("now", datetime(2026, 1, 6), daily),
    ]
    flows = [
        {"run_id": r, "dataset": "s.x", "status": "COMPLETED", "rows_out": n}
        for r, n in zip(
            ["a", "b", "c", "d", "e", "f", "g", "now", "gone"], range(1, 10), strict=True
        )
    ] + [
        {"run_id": "b", "dataset": "s.w", "status": "FAILED", "rows_out": 1},
        {"run_id": "b", "dataset": "s.w", "status": "COMPLETED", "rows_out": None},
        {"run_id": "b", "dataset": "s.v", "status": "COMPLETED", "rows_out": 0},
    ]

    def got(window: int) -> list[tuple[str, int, bool]]:
        rows = counts_of_runs(flows, runs, "now", window)
        return [(r["dataset"], r["rows_out"], r["full_refresh"]) for r in rows]

    assert got(20) == [
        ("s.v", 0, False),
        ("s.x", 5, False), ("s.x", 4, False), ("s.x", 3, True), ("s.x", 2, False),
        ("s.x", 1, True), ("s.x", 6, False),
    ]  # fmt: skip
    assert got(1) == [("s.v", 0, False), ("s.x", 5, False), ("s.x", 3, True)]
