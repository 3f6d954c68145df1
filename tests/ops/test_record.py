"""Run and flow rows, and the reconciliation arithmetic (no Spark)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.errors import PipelineRunError
from pipelines.events import FlowState
from pipelines.ops.reconcile import Reconciliation
from pipelines.ops.record import DatasetCounts, RunInfo, flow_rows, run_row, run_status

T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def test_run_row_serialises_parameters_and_caps_the_error() -> None:
    info = RunInfo("r1", "local", "schedule", {"full_refresh": True, "landing_root": "file:///l"},
                   T0, T0.replace(minute=2), "FAILED", "x" * 5000)  # fmt: skip
    row = run_row(info)
    assert row == {
        "run_id": "r1", "target": "local", "trigger": "schedule",
        "parameters": '{"full_refresh": true, "landing_root": "file:///l"}',
        "started_at": T0, "ended_at": T0.replace(minute=2), "status": "FAILED",
        "error_summary": "x" * 2000,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (None, "COMPLETED"),
        (PipelineRunError({"a": "b"}), "FAILED"),
        (KeyboardInterrupt(), "CANCELED"),
    ],
)
def test_run_status(error: BaseException | None, status: str) -> None:
    assert run_status(error) == status


def test_flow_rows_cover_every_dataset_in_graph_order() -> None:
    flows = {
        "bronze.a": FlowState("bronze.a", "COMPLETED", T0, T0.replace(second=3)),
        "silver.a": FlowState("silver.a", "FAILED", T0, T0.replace(second=1), "[CAST] bad"),
    }
    counts = {"bronze.a": DatasetCounts(10, 10, None)}
    prints = {"bronze.a": "f1", "silver.a": "f1"}  # one unit; gold.g not fingerprinted
    rows = flow_rows("r1", ["bronze.a", "silver.a", "gold.g"], flows, counts, prints)
    assert [tuple(r.values()) for r in rows] == [
        ("r1", "bronze.a", "bronze", "COMPLETED", 10, 10, None, 3.0, None, "f1"),
        ("r1", "silver.a", "silver", "FAILED", None, None, None, 1.0, "[CAST] bad", "f1"),
        ("r1", "gold.g", "gold", "SKIPPED", None, None, None, 0.0, None, None),
    ]


def test_reconciliation_balances_when_every_row_is_accounted_for() -> None:
    ok = Reconciliation("r1", "catalog", 1220, 1220, 1200, 12, 5, 3)
    assert (ok.accounted, ok.balanced) == (1220, True)
    assert ok.row() == {
        "run_id": "r1", "dataset": "catalog", "rows_read": 1220, "rows_bronze": 1220,
        "rows_silver": 1200, "rows_quarantined": 12, "rows_duplicates": 5,
        "rows_superseded": 3, "balanced": True,
    }  # fmt: skip


def test_an_unbalanced_reconciliation_is_reported() -> None:
    lost = Reconciliation("r1", "catalog", 1220, 1220, 1199, 12, 5, 3)  # one row vanished
    assert (lost.accounted, lost.balanced, lost.row()["balanced"]) == (1219, False, False)


def test_a_failed_run_reconciles_the_sources_whose_tables_all_completed() -> None:
    from pipelines.config import load_config
    from pipelines.ops.reconcile import reconcilable
    from tests.conftest import CONF

    config = load_config(CONF)
    catalog, feed, hotel = (config.source(n) for n in ("product_catalog", "customer_feed", "hotel_folios"))  # fmt: skip
    status = {
        "bronze.product_catalog": "COMPLETED", "silver.product_catalog": "COMPLETED",
        "quarantine.product_catalog": "COMPLETED", "bronze.customer_feed": "COMPLETED",
        "bronze_pii.customer_feed": "COMPLETED", "silver.customer_feed": "FAILED",
        "quarantine.customer_feed": "SKIPPED", "gold.team_a_products_with_image": "FAILED",
    }  # fmt: skip
    flows = [{"dataset": name, "status": state} for name, state in status.items()]
    complete, why = reconcilable([catalog, feed, hotel], flows)
    assert [s.name for s in complete] == ["product_catalog"]
    assert why == {
        "customer_feed": "silver.customer_feed failed",
        "hotel_folios": "none of its tables ran",
    }
