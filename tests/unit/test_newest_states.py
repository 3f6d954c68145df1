"""Each dataset's newest recorded state, from ops rows already read
(``pipelines.ops.history.newest_states``): what the up-to-date check's query gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.ops.history import newest_states

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
