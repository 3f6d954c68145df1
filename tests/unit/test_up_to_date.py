"""Which datasets a run leaves as they are (``pipelines.ops.up_to_date``), over the shipped
config's graph: no Spark, the recorded state given as data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.graph import build_graph
from pipelines.ops.up_to_date import UpToDate, fingerprints, unit_of, up_to_date
from pipelines.spec import DatasetSpec, RunContext

FILE_SOURCES = {f"bronze.{n}" for n in ("customer_feed", "hotel_folios", "hotel_reservations", "orders_cdc", "product_catalog")}  # fmt: skip
CATALOG = (
    "bronze.product_catalog",
    "silver.product_catalog",
    "quarantine.product_catalog",
    "gold.team_a_products_with_image",
    "gold.team_b_samsung_after_2000_without_image",
)


def _graph(config: LakehouseConfig) -> tuple[DatasetSpec, ...]:
    return build_graph(config, RunContext(run_id="r", landing_root="file:///landing"))


def _state(
    config: LakehouseConfig, status: str = "COMPLETED"
) -> tuple[tuple[DatasetSpec, ...], dict[str, tuple[str | None, str]], set[str]]:
    """The graph, every dataset recorded as last run with today's definition, all existing."""
    specs = _graph(config)
    prints = fingerprints(config, specs)
    stored = {s.name for s in specs if s.stored}
    return specs, {name: (prints[name], status) for name in stored}, stored


def test_nothing_new_leaves_out_file_sources_and_what_reads_only_them(
    config: LakehouseConfig,
) -> None:
    specs, recorded, existing = _state(config)
    fresh = up_to_date(config, specs, recorded, existing, FILE_SOURCES)
    units = unit_of(config)
    # Only the file sources have nothing new here: the JDBC, REST and Kafka ones run (their
    # checks before the run found something), and so does what reads them (the customer
    # entity reads crm_customers; gold.customer_360 reads the entity; the booking mart Kafka)
    assert sorted({units[name] for name in fresh.datasets}) == [
        "gold:hotel_bookings_by_segment",
        "gold:hotel_daily_report",
        "gold:team_a_products_with_image",
        "gold:team_b_samsung_after_2000_without_image",
        "source:customer_feed",
        "source:hotel_folios",
        "source:hotel_reservations",
        "source:orders_cdc",
        "source:product_catalog",
    ]
    assert "   = bronze.product_catalog, silver.product_catalog, quarantine.product_catalog up to date: nothing new" in fresh.lines  # fmt: skip


def test_a_new_file_reruns_its_source_and_everything_downstream(config: LakehouseConfig) -> None:
    catalog = config.select(["product_catalog"])
    specs, recorded, existing = _state(catalog)
    assert (
        up_to_date(catalog, specs, recorded, existing, {"bronze.product_catalog"}).datasets
        == CATALOG
    )
    assert up_to_date(catalog, specs, recorded, existing, set()).datasets == ()


def test_a_changed_definition_reruns_it_and_what_reads_it(config: LakehouseConfig) -> None:
    catalog = config.select(["product_catalog"])
    _, recorded, existing = _state(catalog)
    source = catalog.source("product_catalog")
    stricter = source.model_copy(update={"description": "changed"})
    edited = replace(catalog, sources=(stricter,))
    assert up_to_date(edited, _graph(edited), recorded, existing, {"bronze.product_catalog"}).datasets == ()  # fmt: skip
    team_a = catalog.gold[0]
    reviewed = replace(catalog, gold=(team_a.model_copy(update={"sql": f"{team_a.sql} -- x"}), *catalog.gold[1:]))  # fmt: skip
    fresh = up_to_date(reviewed, _graph(reviewed), recorded, existing, {"bronze.product_catalog"})
    assert fresh.datasets == tuple(n for n in CATALOG if n != f"gold.{team_a.name}")


@pytest.mark.parametrize("status", ["FAILED", "SKIPPED"])
def test_a_dataset_whose_last_run_did_not_complete_reruns(
    config: LakehouseConfig, status: str
) -> None:
    catalog = config.select(["product_catalog"])
    specs, recorded, existing = _state(catalog)
    recorded["silver.product_catalog"] = (recorded["silver.product_catalog"][0], status)
    fresh = up_to_date(catalog, specs, recorded, existing, {"bronze.product_catalog"})
    assert fresh.datasets == ()  # the source's unit reruns, and both marts read it


def test_a_missing_table_or_an_unrecorded_dataset_reruns(config: LakehouseConfig) -> None:
    catalog = config.select(["product_catalog"])
    specs, recorded, existing = _state(catalog)
    gold_b = "gold.team_b_samsung_after_2000_without_image"
    fresh = up_to_date(catalog, specs, recorded, existing - {gold_b}, {"bronze.product_catalog"})
    assert fresh.datasets == CATALOG[:-1]
    del recorded["quarantine.product_catalog"]
    assert up_to_date(catalog, specs, recorded, existing, {"bronze.product_catalog"}).datasets == ()


def test_fingerprints_are_one_per_unit_and_follow_the_inputs(config: LakehouseConfig) -> None:
    specs = _graph(config)
    prints = fingerprints(config, specs)
    assert len({prints[f"{layer}.crm_customers"] for layer in ("bronze", "bronze_pii", "silver", "quarantine")}) == 1  # fmt: skip
    feed = config.source("customer_feed")
    edited = replace(config, sources=tuple(s if s is not feed else feed.model_copy(update={"description": "x"}) for s in config.sources))  # fmt: skip
    changed = fingerprints(edited, _graph(edited))
    differs = sorted(name for name in prints if prints[name] != changed[name])
    assert differs == [
        "bronze.customer_feed", "bronze_pii.customer_feed", "gold.customer_360",
        "quarantine.customer_feed", "silver.customer_feed", "silver.customers",
        "silver.customers_xref",
    ]  # fmt: skip


def test_a_run_that_did_not_end_cleanly_makes_the_next_run_check_nothing(
    config: LakehouseConfig, tmp_path: Path
) -> None:
    """A killed run leaves its marker (it may have committed bronze and not silver): the next
    run runs every dataset, says why, and clears the markers once it completed."""
    from pipelines.local.runner import _up_to_date
    from pipelines.local.unfinished import Markers

    storage = (tmp_path / "storage").as_uri()
    killed, markers = Markers(storage), Markers(storage)
    assert markers.unfinished("r2") is None
    killed.begin("r1")  # and never completed
    markers.begin("r2")
    assert markers.unfinished("r2") == "run r1 did not end cleanly"
    specs, _, _ = _state(config)
    fresh = _up_to_date(None, config, specs, FILE_SOURCES, markers.unfinished("r2"))  # type: ignore[arg-type]
    assert fresh == UpToDate((), ("   ! run r1 did not end cleanly: every dataset runs",))
    markers.completed()
    assert Markers(storage).unfinished("r3") is None
    assert Markers("sc://remote/storage").unfinished("r3") == (
        "the pipeline storage is not on this machine: earlier runs cannot be checked"
    )
