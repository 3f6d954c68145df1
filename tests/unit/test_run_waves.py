"""The runner's phases: a view runs after the views its rules look up (no Spark)."""

from __future__ import annotations

from pathlib import Path

from pipelines.config import load_config
from pipelines.graph import RunContext, build_graph
from pipelines.local.runner import _waves
from pipelines.spec import DatasetSpec

CONF = Path(__file__).resolve().parents[2] / "src" / "conf"


def _view(name: str, *inputs: str, lookups: tuple[str, ...] = ()) -> DatasetSpec:
    return DatasetSpec(
        name, "materialized_view", lambda s: s.range(1), (*inputs, *lookups), lookups=lookups
    )


def test_a_lookup_runs_in_an_earlier_phase_its_readers_stay_with_it() -> None:
    specs = (
        _view("silver.orders", "bronze.orders", lookups=("silver.catalog",)),
        _view("silver.catalog", "bronze.catalog"),
        _view("gold.brands", "silver.catalog"),
        _view("gold.orders", "silver.orders"),
    )
    names = [s.name for s in specs]
    assert _waves(specs, names) == [
        ["silver.catalog", "gold.brands"],
        ["silver.orders", "gold.orders"],
    ]


def test_a_lookup_of_a_view_that_reads_another_view_waits_for_both() -> None:
    specs = (
        _view("silver.a", "bronze.a", lookups=("gold.c",)),
        _view("gold.c", "silver.b"),
        _view("silver.b", "bronze.b", lookups=("silver.d",)),
        _view("silver.d", "bronze.d"),
    )
    assert _waves(specs, [s.name for s in specs]) == [
        ["silver.d"], ["gold.c", "silver.b"], ["silver.a"],
    ]  # fmt: skip
    assert _waves(specs, []) == []


def test_the_shipped_graph_refreshes_orders_after_the_catalog() -> None:
    specs = build_graph(load_config(CONF), RunContext("r", "file:///landing"))
    views = [s.name for s in specs if s.kind == "materialized_view" and s.inputs]
    waves = _waves(specs, views)
    # gold.customer_360 reads silver.orders_cdc directly: the engine orders it in that wave.
    assert [w for w in waves if "silver.orders_cdc" in w] == [
        ["silver.orders_cdc", "quarantine.orders_cdc", "silver.customers_xref", "silver.customers",
         "gold.customer_360"]
    ]  # fmt: skip
    assert "silver.product_catalog" in waves[0]


def test_an_entity_runs_in_a_later_phase_than_the_silver_tables_it_matches() -> None:
    specs = build_graph(load_config(CONF), RunContext("r", "file:///landing"))
    views = [s.name for s in specs if s.kind == "materialized_view" and s.inputs]
    waves = _waves(specs, views)
    wave = {name: i for i, names in enumerate(waves) for name in names}
    assert (wave["silver.customer_feed"], wave["silver.crm_customers"]) == (0, 0)
    assert (wave["silver.customers_xref"], wave["silver.customers"]) == (1, 1)
