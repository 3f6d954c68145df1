"""Quality and CDC together in real local runs of the graph (orders_cdc and its lookup).

The demo's change feed: rows failing a rule land in quarantine and never reach the merge,
rows passing are applied as AUTO CDC would (out-of-order, duplicate and late delete events
included); per-rule counts land in ``ops.quality_metrics``; a breached threshold fails.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_orders_cdc
from pipelines.ops.quality import QualityThresholdError, record_quality
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

CATALOG = "brand,category_id,comment,currency,description,image,year_release\n" + "".join(
    f"{brand},1,,EUR,,,2010\n" for brand in ("HP", "Dell", "Acer", "Lenovo", "Samsung", "Toshiba")
)


HISTORY = """SELECT order_id, status, currency, sequence_num, __START_AT, __END_AT, _warnings
FROM silver.orders_cdc ORDER BY order_id, __START_AT"""
QUARANTINED = "SELECT order_id, _reasons FROM quarantine.orders_cdc ORDER BY 1"


def _rows(spark: SparkSession, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(query).collect()]


def test_quality_and_cdc_on_one_change_feed_then_a_rerun(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    """Slow (two runs, about 35 s): the rerun is checked on the CDC table the first run left."""
    # orders_cdc checks its brands against silver.product_catalog (a foreign key)
    orders = config.source("orders_cdc")
    only_sources = config.select(["product_catalog", "orders_cdc"])
    landing = tmp_path / "landing"
    (landing / "product_catalog").mkdir(parents=True)
    (landing / "product_catalog" / "product_catalog_20261120.csv").write_text(CATALOG)
    generate_orders_cdc(landing / "orders_cdc", now=datetime.now(UTC))

    result = run(spark, only_sources, landing, lakehouse_home, full_refresh=True)

    assert result.row_counts["bronze.orders_cdc"] == 19
    history = _rows(spark, HISTORY)
    assert history == [
        (1, "placed", "EUR", 1, 1, 4, []), (1, "paid", "EUR", 4, 4, 7, []),
        (1, "shipped", "EUR", 10, 10, None, []),  # the late delete (seq 7) closed `paid`
        (2, "placed", "EUR", 2, 2, 6, []), (2, "paid", "EUR", 6, 6, 12, []),
        (2, "shipped", "EUR", 12, 12, None, []),  # sent twice, one version
        (3, "placed", "EUR", 3, 3, 11, []),  # deleted by a key-only event
        (4, "placed", "EUR", 5, 5, 13, []), (4, "paid", "EUR", 13, 13, 14, []),  # out of order
        (4, "shipped", "USD", 15, 14, None, []),  # currency is untracked: updated in place
        (8, "placed", "eur", 16, 16, None, ["rule:regex_currency"]),
    ]  # fmt: skip
    quarantined = _rows(spark, QUARANTINED)
    assert quarantined == [
        ("5", ["rule:foreign_key_brand"]),  # quarantine keeps the raw values
        ("6", ["rule:accepted_values_status"]),
        ("7", ["rule:range_quantity", "rule:amount_positive"]),
        ("9", ["rule:cdc_sequence_present"]),
    ]
    metrics = _rows(
        spark,
        f"""SELECT dataset, rule, action, failed_rows, checked_rows, breached
        FROM ops.quality_metrics WHERE run_id = '{result.run_id}' ORDER BY 1, 2""",
    )
    assert metrics == [
        ("bronze.orders_cdc", "freshness_updated_at", "warn", 0, 19, False),
        ("bronze.orders_cdc", "unique_order_id_sequence_num", "warn", 2, 19, False),
        ("silver.orders_cdc", "accepted_values_status", "quarantine", 1, 19, False),
        ("silver.orders_cdc", "amount_positive", "quarantine", 1, 19, False),
        ("silver.orders_cdc", "cdc_keys_present", "quarantine", 0, 19, False),
        ("silver.orders_cdc", "cdc_sequence_present", "quarantine", 1, 19, False),
        ("silver.orders_cdc", "foreign_key_brand", "quarantine", 1, 19, False),
        ("silver.orders_cdc", "not_null_brand", "quarantine", 0, 19, False),
        ("silver.orders_cdc", "range_quantity", "quarantine", 1, 19, False),
        ("silver.orders_cdc", "regex_currency", "warn", 1, 19, False),
        ("silver.product_catalog", "year_release_plausible", "quarantine", 0, 6, False),
    ]

    # An incremental rerun after the catalog's definition changed: the catalog is recomputed,
    # and so are the orders whose rule looks it up (nothing new arrived: without the change
    # both would be up to date). The lookup reads silver.product_catalog after it is
    # recomputed (the engine alone would read it while it is rewritten:
    # FAILED_READ_FILE.FILE_NOT_EXIST).
    catalog = only_sources.source("product_catalog")
    edited = catalog.model_copy(update={"description": f"{catalog.description} (reviewed)"})
    sources = tuple(edited if s is catalog else s for s in only_sources.sources)
    rerun = run(spark, replace(only_sources, sources=sources), landing, lakehouse_home)
    assert {f.state for f in rerun.flows.values()} == {"COMPLETED"}
    assert (_rows(spark, HISTORY), _rows(spark, QUARANTINED)) == (history, quarantined)

    # The same tables against a stricter threshold: the run would fail, naming dataset and rule.
    strict = [
        r.model_copy(update={"threshold_pct": 5.0}) if r.name == "amount_positive" else r
        for r in orders.quality
    ]
    stricter = type(config)(
        config.root, config.project, config.access,
        (orders.model_copy(update={"quality": tuple(strict)}),), (),
    )  # fmt: skip
    with pytest.raises(QualityThresholdError) as caught:
        record_quality(spark, stricter, "r-strict", "parquet")
    assert str(caught.value) == (
        "run r-strict: quality threshold breached:\n"
        "  silver.orders_cdc rule 'amount_positive' (quarantine): 1 of 19 rows failed (5.26%), "
        "threshold 5.0%"
    )
