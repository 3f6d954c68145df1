"""Engine errors of flows that see clear PII are withheld from ops rows and alerts."""

from __future__ import annotations

from pathlib import Path

from pipelines.config import load_config
from pipelines.graph import build_graph
from pipelines.pii.errors import clear_pii_datasets, withhold, withhold_errors
from pipelines.spec import RunContext

CONF = Path(__file__).resolve().parents[2] / "src" / "conf"
# Spark 4.2's own text for a failed cast (ANSI mode): it quotes the value.
CAST = (
    "[CAST_INVALID_INPUT] The value 'jane.doe@example.com' of the type \"STRING\" cannot be "
    'cast to "INT" because it is malformed. Correct the value as per the syntax, or change its '
    "target type. Use `try_cast` to tolerate malformed input and return NULL instead. "
    "SQLSTATE: 22018"
)
HIDDEN = (
    "[CAST_INVALID_INPUT] (message withheld: this dataset reads clear PII, which an engine "
    "message may quote; the whole message is in the engine log)"
)


def _clear() -> frozenset[str]:
    config = load_config(CONF)
    return clear_pii_datasets(config, build_graph(config, RunContext("r1", "file:///landing")))


def test_the_datasets_that_see_clear_pii_come_from_the_graph() -> None:
    # The raw ingest and bronze_pii of each source with PII, and the customer matching that
    # reads bronze_pii; silver, quarantine and gold read masked values only.
    assert sorted(_clear()) == [
        "bronze.crm_customers", "bronze.customer_feed", "bronze.guest_profiles", "bronze.room_rates",
        "bronze_pii.crm_customers", "bronze_pii.customer_feed", "bronze_pii.guest_profiles",
        "bronze_pii.room_rates",
        "silver.customers", "silver.customers_xref",
    ]  # fmt: skip


def test_an_error_of_such_a_flow_keeps_its_class_only() -> None:
    assert withhold(CAST) == HIDDEN
    assert withhold("Python worker exited unexpectedly: Jane Doe") == HIDDEN.removeprefix(
        "[CAST_INVALID_INPUT] "
    )


def test_run_and_flow_rows_lose_the_quoted_value_and_keep_the_rest() -> None:
    masked_error = "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
    summary = (
        "2 dataset(s) failed:\n"
        f"  bronze_pii.customer_feed: {CAST}\n"
        f"  gold.hotel_daily_report: {masked_error}"
    )
    flows: list[dict[str, str | None]] = [
        {"dataset": "bronze_pii.customer_feed", "status": "FAILED", "error": CAST},
        {"dataset": "gold.hotel_daily_report", "status": "FAILED", "error": masked_error},
        {"dataset": "silver.customers", "status": "COMPLETED", "error": None},
    ]
    run, rows = withhold_errors({"run_id": "r1", "error_summary": summary}, flows, _clear())
    assert run == {
        "run_id": "r1",
        "error_summary": (
            "2 dataset(s) failed:\n"
            f"  bronze_pii.customer_feed: {HIDDEN}\n"
            f"  gold.hotel_daily_report: {masked_error}"
        ),
    }
    assert [r["error"] for r in rows] == [HIDDEN, masked_error, None]
    assert flows[0]["error"] == CAST  # the caller's rows are not changed


def test_a_summary_cut_inside_the_error_loses_everything_from_it() -> None:
    # ops rows truncate both texts: the run's summary may end inside the flow's error.
    summary = f"1 dataset(s) failed:\n  silver.customers_xref: {CAST[:120]}"
    flows = [{"dataset": "silver.customers_xref", "status": "FAILED", "error": CAST}]
    run, _ = withhold_errors({"error_summary": summary}, flows, _clear())
    assert run["error_summary"] == f"1 dataset(s) failed:\n  silver.customers_xref: {HIDDEN}"
