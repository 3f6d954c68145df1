"""What Databricks gets for a CDC source: the graph's specs handed to a recording ``dp``.

No Delta here, so the AUTO CDC flow itself cannot run; this pins down the exact calls.
"""

from __future__ import annotations

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.graph import RunContext, build_graph
from pipelines.platform import platform_for
from tests.unit.recording_dp import RecordingDp


def test_databricks_registers_a_feed_view_a_streaming_table_and_an_auto_cdc_flow(
    config: LakehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.register as register_module

    recorder = RecordingDp()
    monkeypatch.setattr(register_module, "dp", recorder)
    context = RunContext(run_id="r1", landing_root="abfss://landing", platform="databricks")
    specs = [s for s in build_graph(config, context) if s.name.endswith("orders_cdc")]
    assert [(s.name, s.kind) for s in specs] == [
        ("bronze.orders_cdc", "streaming_table"),
        ("silver.orders_cdc", "auto_cdc"),
        ("quarantine.orders_cdc", "materialized_view"),
    ]
    # the brands lookup: a stream-static join, read at each micro-batch
    assert (specs[1].inputs, specs[1].lookups) == (
        ("bronze.orders_cdc", "silver.product_catalog"), ("silver.product_catalog",),
    )  # fmt: skip
    register_module.register(specs[1:2], spark=None, table_format=None, platform=context.adapter)  # type: ignore[arg-type]
    description = config.source("orders_cdc").description
    assert recorder.calls == [
        ("temporary_view", {"name": "orders_cdc_cdc_feed", "comment": "Change feed of silver.orders_cdc"}),
        ("create_streaming_table", {"name": "silver.orders_cdc", "comment": description,
                                    "partition_cols": None}),  # no `format`: Delta is the default
        ("create_auto_cdc_flow", {
            "target": "silver.orders_cdc", "source": "orders_cdc_cdc_feed", "keys": ["order_id"],
            "sequence_by": "sequence_num", "stored_as_scd_type": 2,
            "apply_as_deletes": "op = 'DELETE'", "except_column_list": ["op"],
            "track_history_column_list": ["status", "quantity", "amount"],
        }),
    ]  # fmt: skip


def test_a_parquet_fallback_names_its_format_and_delta_is_never_named(
    config: LakehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.register as register_module

    specs = [
        s
        for s in build_graph(config, RunContext("r1", "file:///l"))
        if s.name == "gold.team_a_products_with_image"
    ]
    local = platform_for("local")
    for table_format, expected in (("parquet", {"format": "parquet"}), ("delta", {}), (None, {})):
        recorder = RecordingDp()
        monkeypatch.setattr(register_module, "dp", recorder)
        register_module.register(specs, spark=None, table_format=table_format, platform=local)  # type: ignore[arg-type]
        assert recorder.calls == [("materialized_view", {
            "name": "gold.team_a_products_with_image", "comment": specs[0].comment,
            "partition_cols": None, **expected,
        })]  # fmt: skip


def test_locally_cdc_is_a_materialized_view(config: LakehouseConfig) -> None:
    context = RunContext(run_id="r1", landing_root="file:///tmp/landing")
    kinds = {s.name: s.kind for s in build_graph(config, context)}
    assert kinds["silver.orders_cdc"] == "materialized_view"
