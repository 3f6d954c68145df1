"""The graph is data: built from config and inspected without Spark."""

from __future__ import annotations

from pipelines.config.loader import LakehouseConfig
from pipelines.graph import RunContext, build_graph


def test_graph_of_the_shipped_config(config: LakehouseConfig) -> None:
    specs = build_graph(config, RunContext(run_id="r", landing_root="file:///landing"))
    shape = [(s.name, s.kind, s.inputs, s.partition_cols) for s in specs]
    hotel_reservations = ("silver.hotel_reservations",)
    customer_inputs = (
        "silver.customer_feed", "silver.crm_customers",
        "bronze_pii.customer_feed", "bronze_pii.crm_customers",
    )  # fmt: skip
    assert shape == [
        # Kafka: a stream, its offsets checkpointed
        ("bronze.booking_events", "streaming_table", (), ()),
        ("silver.booking_events", "materialized_view", ("bronze.booking_events",), ()),
        ("quarantine.booking_events", "materialized_view", ("bronze.booking_events",), ()),
        # incremental JDBC: a stream over the extracts; a REST source is read as a snapshot
        ("bronze.crm_customers", "streaming_table", (), ()),
        ("bronze_pii.crm_customers", "streaming_table", (), ()),  # its PII, raw
        ("silver.crm_customers", "materialized_view", ("bronze.crm_customers",), ()),
        ("quarantine.crm_customers", "materialized_view", ("bronze.crm_customers",), ()),
        ("bronze.customer_feed", "streaming_table", (), ("_file_date",)),
        ("bronze_pii.customer_feed", "streaming_table", (), ("_file_date",)),
        ("silver.customer_feed", "materialized_view", ("bronze.customer_feed",), ()),
        ("quarantine.customer_feed", "materialized_view", ("bronze.customer_feed",), ()),
        # MongoDB: a stream by updated_at, read once (bronze masks what bronze_pii read)
        ("bronze.guest_profiles", "streaming_table", ("bronze_pii.guest_profiles",), ()),
        ("bronze_pii.guest_profiles", "streaming_table", (), ()),
        ("silver.guest_profiles", "materialized_view", ("bronze.guest_profiles",), ()),
        ("quarantine.guest_profiles", "materialized_view", ("bronze.guest_profiles",), ()),
        ("bronze.hotel_folios", "streaming_table", (), ("_file_date",)),
        ("silver.hotel_folios", "materialized_view", ("bronze.hotel_folios",), ()),
        ("quarantine.hotel_folios", "materialized_view", ("bronze.hotel_folios",), ()),
        ("bronze.hotel_reservations", "streaming_table", (), ("_file_date",)),
        ("silver.hotel_reservations", "materialized_view", ("bronze.hotel_reservations",), ()),
        ("quarantine.hotel_reservations", "materialized_view", ("bronze.hotel_reservations",), ()),
        ("bronze.orders_cdc", "streaming_table", (), ()),
        ("silver.orders_cdc", "materialized_view", ("bronze.orders_cdc", "silver.product_catalog"), ()),
        ("quarantine.orders_cdc", "materialized_view", ("bronze.orders_cdc", "silver.product_catalog"), ()),
        ("bronze.product_catalog", "streaming_table", (), ("_file_date",)),
        ("silver.product_catalog", "materialized_view", ("bronze.product_catalog",), ()),
        ("quarantine.product_catalog", "materialized_view", ("bronze.product_catalog",), ()),
        ("bronze.room_rates", "materialized_view", ("bronze_pii.room_rates",), ()),  # read once
        ("bronze_pii.room_rates", "materialized_view", (), ()),  # updated_by and _record, raw
        ("silver.room_rates", "materialized_view", ("bronze.room_rates",), ()),
        ("quarantine.room_rates", "materialized_view", ("bronze.room_rates",), ()),
        # the entity: silver and raw PII of both sources; the xref matches, customers merges
        ("silver.customers_xref", "materialized_view", customer_inputs, ()),
        ("silver.customers", "materialized_view", ("silver.customers_xref", *customer_inputs), ()),
        ("gold.customer_360", "materialized_view", ("silver.customers", "silver.customers_xref", "silver.orders_cdc"), ()),
        ("gold.hotel_bookings_by_segment", "materialized_view", hotel_reservations, ()),
        ("gold.hotel_bookings_by_status", "materialized_view", ("silver.booking_events",), ()),
        ("gold.hotel_daily_report", "materialized_view", ("silver.hotel_folios", *hotel_reservations), ()),
        ("gold.team_a_products_with_image", "materialized_view", ("silver.product_catalog",), ()),
        ("gold.team_b_samsung_after_2000_without_image", "materialized_view", ("silver.product_catalog",), ()),
    ]  # fmt: skip
    # the runner gives it a phase between the ingest and the views (runner._run_phases)
    assert [s.name for s in specs if s.after_ingest] == [
        "bronze.guest_profiles",
        "bronze.room_rates",
    ]
    comments = {s.name: s.comment for s in specs}
    assert (
        comments["silver.product_catalog"]
        == "Product catalog of the marketplace, delivered as daily CSV extracts."
    )
