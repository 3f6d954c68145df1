"""Quality rules also bound as Lakeflow expectations, on Databricks only (issue 15): which
rules, how each action maps, and that a local run binds nothing. No Spark."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyspark import pipelines as dp

from pipelines.config import load_config
from pipelines.graph import build_graph
from pipelines.platform import platform_for
from pipelines.spec import Expectation, RunContext

HOTEL = "sources/hotel_reservations.yml"
CONF = Path(__file__).resolve().parents[2] / "src" / "conf"


def _expectations(conf: Path) -> dict[str, tuple[Expectation, ...]]:
    context = RunContext("r", "/tmp/landing", platform="databricks")
    return {
        s.name: s.expectations for s in build_graph(load_config(conf), context) if s.expectations
    }


def _bound(expr: str) -> str:
    return f"coalesce(CAST(({expr}) AS BOOLEAN), false)"


def test_which_rules_of_the_shipped_config_are_bound() -> None:
    # warn rules only: every drop, fail and foreign key rule of src/conf is on a CDC source
    # (AUTO CDC on Databricks) or a quarantine rule; standardise_* read _raw, which silver drops
    assert _expectations(CONF) == {
        "silver.hotel_folios": (
            Expectation("charge_type_known", _bound("charge_type IN ('room', 'meal', 'parking')"), "warn"),
            Expectation("amount_not_negative", _bound("amount IS NULL OR amount >= 0"), "warn"),
        ),
        "silver.hotel_reservations": (
            Expectation("room_price_positive", _bound("avg_price_per_room IS NULL OR avg_price_per_room > 0"), "warn"),
            Expectation("has_adult_guest", _bound("no_of_adults IS NULL OR no_of_adults > 0"), "warn"),
        ),
    }  # fmt: skip


def test_each_action_and_what_is_left_out(conf_copy: Path) -> None:
    path = conf_copy / HOTEL
    text = path.read_text(encoding="utf-8")
    extra = (
        "  - {name: lead_time_known, expr: lead_time IS NOT NULL, action: drop}\n"
        "  - {name: nights_bounded, expr: no_of_week_nights < 365, action: fail}\n"
        "  - {unique: [booking_id], action: warn}\n"  # a window: not one row's verdict
        "  - {name: from_a_file, expr: _source_file IS NOT NULL, action: warn}\n"
    )
    path.write_text(text.replace("quality:\n", "quality:\n" + extra, 1), encoding="utf-8")
    bound = _expectations(conf_copy)["silver.hotel_reservations"]
    assert [(e.name, e.action) for e in bound] == [
        ("lead_time_known", "drop"),
        ("nights_bounded", "fail"),
        ("from_a_file", "warn"),
        ("room_price_positive", "warn"),
        ("has_adult_guest", "warn"),
    ]


def _recorder(calls: list[tuple[str, str, str]], kind: str) -> Callable[[str, str], Any]:
    def expectation(name: str, constraint: str) -> Callable[[Any], Any]:
        def bind(query: Any) -> Any:
            calls.append((kind, name, constraint))
            return query

        return bind

    return expectation


def test_databricks_binds_lakeflow_expectations_and_local_binds_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str, str]] = []
    for kind in ("expect", "expect_or_drop", "expect_or_fail"):
        # Lakeflow's pyspark.pipelines has them; the open-source one does not
        monkeypatch.setattr(dp, kind, _recorder(calls, kind), raising=False)
    expectations = (
        Expectation("w", "a > 0", "warn"),
        Expectation("d", "b > 0", "drop"),
        Expectation("f", "c > 0", "fail"),
    )

    def query() -> Any:
        return None

    assert platform_for("local").bind_expectations(query, expectations) is query
    assert calls == []
    assert platform_for("databricks").bind_expectations(query, expectations) is query
    assert calls == [
        ("expect", "w", "a > 0"),
        ("expect_or_drop", "d", "b > 0"),
        ("expect_or_fail", "f", "c > 0"),
    ]


def test_register_binds_a_dataset_s_expectations_through_the_platform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.register import register
    from pipelines.spec import DatasetSpec

    calls: list[tuple[str, str, str]] = []
    monkeypatch.setattr(dp, "expect", _recorder(calls, "expect"), raising=False)
    registered: list[str] = []

    def materialized_view(**kwargs: Any) -> Callable[[Any], None]:
        return lambda query: registered.append(f"{kwargs['name']} <- {query.__name__}")

    monkeypatch.setattr(dp, "materialized_view", materialized_view)
    spec = DatasetSpec(
        "silver.x", "materialized_view", lambda spark: spark.range(1),
        expectations=(Expectation("w", "a > 0", "warn"),),
    )  # fmt: skip
    register([spec], None, None, platform_for("local"))  # type: ignore[arg-type]  # local: nothing bound
    assert (calls, registered) == ([], ["silver.x <- silver__x"])
    register([spec], None, None, platform_for("databricks"))  # type: ignore[arg-type]
    assert calls == [("expect", "w", "a > 0")]
    assert registered[1:] == ["silver.x <- silver__x"]
