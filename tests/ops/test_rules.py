"""Alert rules: records in, incidents out (no Spark)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from pipelines.alerts import (
    Incident,
    dedupe,
    freshness_misses,
    quality_breaches,
    run_failure,
    schema_drift,
    volume_anomalies,
)
from pipelines.alerts.rules import Row, VolumeBand, comparable_history, volume_band
from pipelines.config.alerts import FreshnessRule, VolumeRule

RUN = {"run_id": "r9", "status": "FAILED", "error_summary": "1 dataset(s) failed:\n  gold.x: boom"}


def test_run_failure_names_every_failed_dataset_once() -> None:
    flows: list[Row] = [
        {"dataset": "bronze.a", "status": "COMPLETED", "error": None},
        {"dataset": "gold.x", "status": "FAILED", "error": "[DIVIDE_BY_ZERO] Division by zero."},
        {"dataset": "gold.y", "status": "SKIPPED", "error": None},
    ]
    assert run_failure(RUN, flows) == [
        Incident(
            key="run_failure:r9", kind="run_failure", severity="critical", run_id="r9",
            dataset=None, title="Run r9 failed: gold.x",
            detail="gold.x: [DIVIDE_BY_ZERO] Division by zero.",
        )
    ]  # fmt: skip
    assert run_failure({**RUN, "status": "COMPLETED"}, flows) == []


def test_run_failure_without_a_failed_flow_uses_the_run_error() -> None:
    [incident] = run_failure({**RUN, "status": "CANCELED", "error_summary": None}, [])
    assert (incident.title, incident.detail) == ("Run r9 canceled: the run", "canceled")


def test_quality_breaches_one_incident_per_breached_rule_of_the_run() -> None:
    row = {
        "run_id": "r9", "dataset": "silver.a", "rule": "year_ok", "action": "quarantine",
        "failed_rows": 1234, "checked_rows": 10000, "failed_pct": 12.34, "threshold_pct": 5.0,
        "breached": True,
    }  # fmt: skip
    rows = [row, {**row, "rule": "brand_ok", "breached": False}, {**row, "run_id": "r8"}]
    [incident] = quality_breaches("r9", rows)
    assert incident.key == "quality_breach:silver.a:year_ok"
    assert incident.severity == "warning"
    assert incident.title == "Quality rule year_ok breached on silver.a"
    assert incident.detail == (
        "1,234 of 10,000 rows failed (12.34%, threshold 5.00%, action quarantine)"
    )
    [fatal] = quality_breaches("r9", [{**row, "action": "fail"}])
    assert fatal.severity == "critical"


def test_schema_drift_groups_changes_per_dataset() -> None:
    base = {"run_id": "r9", "dataset": "bronze.folio", "policy": "rescue", "detected_at": None}
    rows = [
        {**base, "column_name": "tip", "change": "added", "old_type": None, "new_type": "double"},
        {**base, "column_name": "amount", "change": "retyped", "old_type": "int", "new_type": "string"},
        {**base, "run_id": "r1", "column_name": "old", "change": "removed", "old_type": "int", "new_type": None},
    ]  # fmt: skip
    assert schema_drift("r9", rows) == [
        Incident(
            key="schema_drift:bronze.folio", kind="schema_drift", severity="warning",
            run_id="r9", dataset="bronze.folio", title="Schema drift on bronze.folio: 2 change(s)",
            detail="tip: added (double), policy rescue\namount: retyped (int -> string), policy rescue",
        )
    ]  # fmt: skip


def test_volume_band_is_median_plus_minus_k_scaled_mads() -> None:
    rule = VolumeRule(window=5, min_history=3, k=3.0, min_band_pct=0.0)
    # median 100, deviations 0,2,2,4,4 -> MAD 2 -> half-width 3 * 1.4826 * 2 = 8.8956
    band = volume_band([100, 98, 102, 96, 104, 5000], rule)  # the 6th is outside the window
    assert band == VolumeBand(100, 100 - 8.8956, 100 + 8.8956)
    assert band.contains(108)
    assert not band.contains(109)
    assert volume_band([100, 98], rule) is None  # not enough history


def test_volume_band_of_a_flat_history_uses_the_minimum_percentage() -> None:
    band = volume_band([400, 400, 400], VolumeRule(min_history=3, min_band_pct=10.0))
    assert band == VolumeBand(400, 360.0, 440.0)


def test_volume_anomalies_flag_only_counts_outside_their_band() -> None:
    rule = VolumeRule(window=14, min_history=3, k=3.0, min_band_pct=10.0)
    history = {"bronze.a": [400, 410, 395, 405], "silver.a": [1000, 1000, 1000], "gold.new": [5]}
    current = {"bronze.a": 37, "silver.a": 1050, "gold.new": 500, "quarantine.a": None}
    [incident] = volume_anomalies("r9", current, history, rule)
    assert incident.key == "volume_anomaly:bronze.a"
    assert incident.title == "Unusual row count on bronze.a: 37"
    # median 402.5, MAD 5 -> half max(22.239, 40.25) = 40.25
    assert incident.detail == "37 rows; expected 362 to 443 (median 402 of the last 4 runs)"


PARIS = FreshnessRule(enabled=True, deadline=time(6, 0), timezone="Europe/Paris")


def _utc(hour: int, minute: int = 0, day: int = 21) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_freshness_miss_is_reported_once_by_the_first_run_after_the_deadline() -> None:
    # 06:00 Paris = 05:00 UTC in November. gold.a was ready at 04:30 UTC, gold.b only now.
    ready = {"gold.a": [_utc(4, 30), _utc(9)], "gold.b": [_utc(9), _utc(3, day=20)]}
    [incident] = freshness_misses("r9", _utc(9), ready, [_utc(4, 30)], PARIS)
    assert incident == Incident(
        key="freshness:gold.b:2026-11-21", kind="freshness", severity="critical", run_id="r9",
        dataset="gold.b", title="gold.b missed its 06:00 Europe/Paris deadline",
        detail="gold.b was ready at 10:00 on 2026-11-21",
    )  # fmt: skip
    # a later run the same day does not repeat it; a run before the deadline checks nothing
    assert freshness_misses("r10", _utc(11), ready, [_utc(4, 30), _utc(9)], PARIS) == []
    assert freshness_misses("r0", _utc(4, 59), {"gold.b": []}, [], PARIS) == []


def test_freshness_miss_when_not_refreshed_at_all_today() -> None:
    [incident] = freshness_misses("r9", _utc(5, 1), {"gold.b": [_utc(3, day=20)]}, [], PARIS)
    assert incident.detail == "gold.b was not refreshed today on 2026-11-21"


def test_dedupe_keeps_the_first_incident_of_each_key() -> None:
    first = Incident("k1", "schema_drift", "warning", "r", "d", "one", "")
    second = Incident("k2", "freshness", "critical", "r", None, "two", "")
    again = Incident("k1", "schema_drift", "warning", "r", "d", "again", "")
    assert dedupe([first, second, again]) == [first, second]


def test_appended_counts_are_compared_only_with_runs_of_the_same_kind() -> None:
    rows = [  # newest first
        {"dataset": "bronze.a", "rows_out": 45, "full_refresh": False},
        {"dataset": "silver.a", "rows_out": 69, "full_refresh": False},
        {"dataset": "bronze.a", "rows_out": 69, "full_refresh": True},
        {"dataset": "silver.a", "rows_out": 60, "full_refresh": True},
        {"dataset": "bronze.a", "rows_out": 40, "full_refresh": False},
    ]
    assert comparable_history(rows, False, ["bronze.a"]) == {"bronze.a": [45, 40], "silver.a": [69, 60]}  # fmt: skip
    assert comparable_history(rows, True, ["bronze.a"]) == {"bronze.a": [69], "silver.a": [69, 60]}  # fmt: skip
