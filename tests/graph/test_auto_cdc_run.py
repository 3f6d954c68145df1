"""CDC on local Delta: what open-source SDP 4.2 can apply, and SCD1 against SCD2 on one feed.

Databricks applies every CDC source with ``dp.create_auto_cdc_flow``. Open-source SDP 4.2
cannot yet into Delta (``LocalPlatform.applies_auto_cdc``): the first test runs a real AUTO CDC
flow into a Delta table and pins the exact refusal, so it fails the day a pyspark upgrade lifts
it (then flip ``LocalPlatform.applies_auto_cdc``). Until then both SCD types are materialized views with AUTO
CDC's output contract, and the second test holds them to each other on the same events (the
demo's change feed: out of order, sent twice, a late delete, a delete carrying only its key),
after a first delivery and after an incremental second one: the SCD1 table equals the current
versions (``__END_AT IS NULL``) of the SCD2 table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.cdc import Cdc
from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_orders_cdc
from pipelines.graph import RunContext, build_graph
from pipelines.local.runner import run_once
from pipelines.spec import AutoCdcFlow, DatasetSpec
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

COLUMNS = "order_id, status, currency, sequence_num"
CURRENT = f"SELECT {COLUMNS} FROM silver.orders_cdc ORDER BY order_id"


def _orders(config: LakehouseConfig, scd_type: int) -> LakehouseConfig:
    """orders_cdc as SCD ``scd_type``, without its brand lookup (no catalog run needed)."""
    orders = config.source("orders_cdc")
    assert orders.silver.cdc is not None
    cdc = orders.silver.cdc.model_copy(
        update={"scd_type": scd_type, "track_history": None if scd_type == 1 else ("status",)}
    )
    rules = tuple(r for r in orders.quality if r.foreign_key is None)
    source = orders.model_copy(
        update={"silver": orders.silver.model_copy(update={"cdc": cdc}), "quality": rules}
    )
    return type(config)(config.root, config.project, config.access, (source,), ())


def _current(spark: SparkSession, config: LakehouseConfig) -> list[tuple[object, ...]]:
    """The current rows ``config``'s silver query computes from the stored bronze rows."""
    specs = {s.name: s for s in build_graph(config, RunContext("expected", "file:///unused"))}
    frame = specs["silver.orders_cdc"].query(spark)
    if config.sources[0].silver.cdc and config.sources[0].silver.cdc.scd_type == 2:
        frame = frame.where("__END_AT IS NULL")
    rows = frame.selectExpr(*COLUMNS.split(", ")).orderBy("order_id").collect()
    return [tuple(r) for r in rows]


def test_open_source_auto_cdc_refuses_a_delta_target(spark: SparkSession, tmp_path: Path) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS silver")

    def events(session: SparkSession) -> DataFrame:
        return session.readStream.format("rate").option("rowsPerSecond", 1).load()

    flow = AutoCdcFlow(source="canary_feed", keys=("value",), sequence_by="timestamp")
    specs = [DatasetSpec("silver.auto_cdc_canary", "auto_cdc", events, flow=flow)]
    tracker = run_once(
        spark, specs, ["silver.auto_cdc_canary"], storage_root=tmp_path.as_uri(),
        reset=["silver.auto_cdc_canary"], echo=lambda _line: None,
    )  # fmt: skip
    state = tracker.flows["silver.auto_cdc_canary"]
    assert state.state == "FAILED"
    assert (state.error or "").startswith(
        "[AUTOCDC_TARGET_DOES_NOT_SUPPORT_MERGE] Cannot start AutoCDC flow: the target table "
        "`spark_catalog`.`silver`.`auto_cdc_canary` (format: delta) does not support row-level "
        "operations."
    )
    assert not RunContext("r", "file:///l").applies_auto_cdc(Cdc(keys=("k",), sequence_by="s"))


def test_scd1_equals_the_current_versions_of_scd2_on_the_same_events(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    scd1, scd2 = _orders(config, 1), _orders(config, 2)
    landing = tmp_path / "landing"
    generate_orders_cdc(landing / "orders_cdc", now=datetime.now(UTC))
    day_two = landing / "orders_cdc" / "orders_cdc_2.json"
    held_back = day_two.read_text()
    day_two.unlink()

    run(spark, scd1, landing, lakehouse_home, full_refresh=True)

    first = [tuple(r) for r in spark.sql(CURRENT).collect()]
    assert first == [(1, "paid", "EUR", 4), (2, "paid", "EUR", 6), (3, "placed", "EUR", 3),
                     (4, "placed", "EUR", 5), (5, "placed", "EUR", 7)]  # fmt: skip
    assert first == _current(spark, scd2)
    assert spark.sql("DESCRIBE DETAIL silver.orders_cdc").collect()[0]["format"] == "delta"

    day_two.write_text(held_back)
    result = run(spark, scd1, landing, lakehouse_home)

    assert result.row_counts["bronze.orders_cdc"] == 19
    second = [tuple(r) for r in spark.sql(CURRENT).collect()]
    assert second == [
        (1, "shipped", "EUR", 10),  # the late delete (seq 7) is older: ignored
        (2, "shipped", "EUR", 12),  # sent twice, applied once
        (4, "shipped", "USD", 15),  # seq 14 arrived before 13: the highest wins
        (5, "placed", "EUR", 7),  # (an unknown brand: no lookup in this config)
        (8, "placed", "eur", 16),  # a warning, kept
    ]  # 3 deleted by a key-only event; 9 (no sequence) quarantined
    assert second == _current(spark, scd2)
