from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import load_config
from pipelines.docs import dictionary, lineage_edges, render_dictionary
from tests.conftest import CONF


def test_dictionary_lists_every_dataset_with_its_lineage(conf_copy: Path) -> None:
    (conf_copy / "sources" / "customer_feed.yml").unlink()  # the catalog alone: exact shapes
    (conf_copy / "sources" / "orders_cdc.yml").unlink()
    (conf_copy / "sources" / "crm_customers.yml").unlink()
    (conf_copy / "sources" / "room_rates.yml").unlink()
    (conf_copy / "sources" / "booking_events.yml").unlink()
    (conf_copy / "sources" / "guest_profiles.yml").unlink()
    (conf_copy / "entities" / "customers.yml").unlink()
    (conf_copy / "gold" / "customer_360.yml").unlink()
    (conf_copy / "gold" / "hotel_bookings_by_status.yml").unlink()
    docs = dictionary(load_config(conf_copy))
    catalog = [d for d in docs if d.owner == "team_catalog"]
    assert [d.name for d in catalog] == [
        "bronze.product_catalog",
        "silver.product_catalog",
        "quarantine.product_catalog",
        "gold.team_a_products_with_image",
        "gold.team_b_samsung_after_2000_without_image",
    ]
    assert [d.name for d in docs if d.owner == "team_hotel"] == [
        "bronze.hotel_folios", "silver.hotel_folios", "quarantine.hotel_folios",
        "bronze.hotel_reservations", "silver.hotel_reservations", "quarantine.hotel_reservations",
        "gold.hotel_bookings_by_segment", "gold.hotel_daily_report",
    ]  # fmt: skip
    assert len(docs) == 13
    edges = lineage_edges(docs)
    assert [e for e in edges if "product_catalog" in e[0]] == [
        ("bronze.product_catalog", "silver.product_catalog"),
        ("bronze.product_catalog", "quarantine.product_catalog"),
        ("silver.product_catalog", "gold.team_a_products_with_image"),
        ("silver.product_catalog", "gold.team_b_samsung_after_2000_without_image"),
    ]
    assert [e for e in edges if e[1] == "gold.hotel_daily_report"] == [
        ("silver.hotel_folios", "gold.hotel_daily_report"),
        ("silver.hotel_reservations", "gold.hotel_daily_report"),
    ]
    assert len(edges) == 11
    reservations = next(d for d in docs if d.name == "silver.hotel_reservations")
    assert [(c.name, c.description) for c in reservations.columns][-2:] == [
        ("check_out_date", "= date_add(check_in_date, nights)"),
        ("is_canceled", "= booking_status = 'Canceled'"),
    ]
    silver = catalog[1]
    assert silver.rules == (
        "year_release_plausible: year_release IS NULL OR year_release BETWEEN 1900 AND 2100 (quarantine)",
    )
    assert [(c.name, c.type, c.nullable) for c in silver.columns][-1] == (
        "year_release",
        "int",
        True,
    )
    gold_a = catalog[3]
    assert gold_a.consumers == ("team_a",)
    assert [(c.name, c.description) for c in gold_a.columns if c.description] == [
        ("image", "Inline PNG as a base64 data URI (never null here)")
    ]


def test_a_source_read_once_documents_bronze_as_masking_bronze_pii() -> None:
    """The rates API (PII, read once): bronze_pii reads it and keeps every column, bronze
    masks its rows; the dictionary and its lineage say so."""
    docs = {d.name: d for d in dictionary(load_config(CONF))}
    assert docs["bronze.room_rates"].inputs == ("bronze_pii.room_rates",)
    assert [c.name for c in docs["bronze_pii.room_rates"].columns] == [
        "rate_id", "hotel", "room_type", "price", "currency", "valid_from", "breakfast",
        "updated_by", "_record",
    ]  # fmt: skip
    assert [c.name for c in docs["bronze_pii.customer_feed"].columns if not c.pii] == [
        "_corrupt_record",
        "_rescued_data",
    ]  # read twice: the raw PII columns and raw text only


def test_docs_command_writes_a_self_contained_page(
    tmp_path: Path,
    conf_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (conf_copy / "sources" / "customer_feed.yml").unlink()  # the catalog alone: exact shapes
    (conf_copy / "sources" / "orders_cdc.yml").unlink()
    (conf_copy / "sources" / "crm_customers.yml").unlink()
    (conf_copy / "sources" / "room_rates.yml").unlink()
    (conf_copy / "sources" / "booking_events.yml").unlink()
    (conf_copy / "sources" / "guest_profiles.yml").unlink()
    (conf_copy / "entities" / "customers.yml").unlink()
    (conf_copy / "gold" / "customer_360.yml").unlink()
    (conf_copy / "gold" / "hotel_bookings_by_status.yml").unlink()
    monkeypatch.setenv("LAKEHOUSE_CONF", str(conf_copy))
    assert main(["docs", "--out", str(tmp_path / "site")]) == 0
    page = tmp_path / "site" / "index.html"
    assert capsys.readouterr().out == f"wrote the data dictionary of 13 datasets to {page}\n"
    html = page.read_text()
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert [s for s in sections if "hotel" not in s] == [
        "bronze.product_catalog", "silver.product_catalog", "quarantine.product_catalog",
        "gold.team_a_products_with_image", "gold.team_b_samsung_after_2000_without_image",
    ]  # fmt: skip
    assert len(sections) == 13
    assert html.count("<path d=") == 11  # one curve per lineage edge
    # Nothing is fetched: no external scripts, styles, images or fonts.
    assert re.findall(r'(?:src|href)="(?!#)[^"]*"', html) == []


def test_pii_columns_are_tagged() -> None:
    from pipelines.docs.dictionary import ColumnDoc, DatasetDoc

    doc = DatasetDoc(
        "silver.c", "silver", "d", "o", (ColumnDoc("email", "string", pii="email (token)"),)
    )
    assert '<span class="tag pii">PII email (token)</span>' in render_dictionary("p", (doc,), ())


def test_gold_columns_have_types_and_keep_the_pii_tags_that_flow_into_them() -> None:
    # issue 17: gold columns were untyped and a masked phone selected into gold lost its tag
    docs = {d.name: d for d in dictionary(load_config(CONF))}
    columns = {c.name: (c.type, c.pii) for c in docs["gold.customer_360"].columns}
    assert columns["phone_masked"] == ("string", "phone (partial)")  # c.phone AS phone_masked
    assert columns["has_phone"] == ("boolean", "")  # about the phone, not the phone
    assert columns["source_records"] == ("bigint", "")
    assert columns["revenue"] == ("decimal(10, 2)", "")
    assert columns["sources"] == ("", "")  # sqlglot cannot tell: blank, never a guess
    segment = {c.name: c.type for c in docs["gold.hotel_bookings_by_segment"].columns}
    assert segment["room_nights"] == ""  # a sum of a derived column: its type is the SQL's
    assert segment["cancellation_rate"] == "double"
