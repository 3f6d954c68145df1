"""Scenario D on generated data: one real run of the hotel sources and gold models only."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.demo import generate_hotel
from tests.graph.helpers import run, scalar
from tests.graph.hotel_oracle import daily, latest_valid_bookings, reservation_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

REPORT = """SELECT report_date, rooms_available, rooms_occupied, occupancy_rate, room_revenue,
                   meal_revenue, parking_revenue, other_revenue, total_revenue, adr, revpar
            FROM gold.hotel_daily_report ORDER BY report_date"""


def hotel_only(config: LakehouseConfig) -> LakehouseConfig:
    """The shipped config restricted to the hotel files and the gold models over them.

    (The hotel domain's rates API is skipped locally unless configured: not this test's subject.)
    """
    return config.select(["hotel_reservations", "hotel_folios"])


def test_generated_hotel_daily_report_matches_plain_python(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    landing = tmp_path / "landing"
    stats = generate_hotel(landing / "hotel", bookings_per_day=30, days=4)
    hotel = hotel_only(config)

    result = run(spark, hotel, landing, lakehouse_home, full_refresh=True)

    assert set(result.flows) == set(hotel.datasets)
    # reservations: 4 x 30 bookings + 9 cancellations re-delivered; 4 rows dated 2018-02-29
    assert (stats.reservation_rows, stats.bookings, stats.invalid_dates) == (129, 120, 4)
    assert result.row_counts["bronze.hotel_reservations"] == 129
    assert result.row_counts["silver.hotel_reservations"] == 116  # one row per valid booking
    assert result.row_counts["quarantine.hotel_reservations"] == 4
    reasons = spark.sql(
        "SELECT DISTINCT to_json(_reasons), arrival_month, arrival_date"
        " FROM quarantine.hotel_reservations"
    ).collect()
    assert [tuple(r) for r in reasons] == [('["rule:arrival_date_valid"]', "2", "29")]
    assert scalar(spark, "SELECT count_if(is_canceled) FROM silver.hotel_reservations") == 9
    flagged = "SELECT count(*) FROM silver.hotel_reservations WHERE array_contains(_warnings, 'rule:room_price_positive')"  # fmt: skip
    assert scalar(spark, flagged) == stats.zero_prices == 8

    # folios: the renamed-column day (amount -> charge_amount) is read through the alias and
    # lands in silver; the new column is rescued and the amount-as-string day casts fine.
    renamed = stats.folios.files[2]
    assert (stats.folios.lines, renamed.read_text().count("\n")) == (160, 56)
    assert result.row_counts["bronze.hotel_folios"] == 160
    assert result.row_counts["quarantine.hotel_folios"] == 0
    assert result.row_counts["silver.hotel_folios"] == 160
    from_renamed = f"""SELECT count(amount), count(_rescued_data) FROM silver.hotel_folios
        WHERE _source_file LIKE '%{renamed.name}'"""
    assert tuple(spark.sql(from_renamed).collect()[0]) == (56, 0)
    changes = f"""SELECT column_name, change, old_name, new_name, old_type, new_type
        FROM ops.schema_changes WHERE run_id = '{result.run_id}'
        AND dataset = 'bronze.hotel_folios' ORDER BY 1"""
    assert [tuple(r) for r in spark.sql(changes).collect()] == [
        ("amount", "renamed", "amount", "charge_amount", "decimal(10,2)", "double"),
        ("tax_amount", "added", None, None, None, "double"),
    ]

    expected = daily(
        latest_valid_bookings(reservation_rows(list(stats.reservation_files))),
        list(stats.folios.files),
    )
    report = [tuple(r) for r in spark.sql(REPORT).collect()]
    assert [(r[0], *r[1:]) for r in report] == [(d, *day.row()) for d, day in expected.items()]
    # not vacuous: the last night audit (amounts delivered as strings) has rooms and meals
    march_1 = expected[date(2018, 3, 1)]
    assert march_1.rooms_occupied > 0
    assert march_1.meal_revenue > 0
    assert report[0][0] == date(2018, 2, 26)

    # A fifth day of reservations (new bookings, cancellations of earlier ones), no new folio
    # lines: the report folds the day's changes into its rooms part, its extras part as it was.
    fifth = generate_hotel(tmp_path / "five_days", bookings_per_day=30, days=5)
    day_five = fifth.reservation_files[-1]
    (landing / "hotel" / "reservations" / day_five.name).write_bytes(day_five.read_bytes())
    said: list[str] = []
    run(spark, hotel, landing, lakehouse_home, echo=said.append)
    before = latest_valid_bookings(reservation_rows(list(stats.reservation_files)))
    after = latest_valid_bookings(reservation_rows(list(fifth.reservation_files)))
    changed = latest_valid_bookings(reservation_rows([day_five]))
    added = sum(_nights(after[b]) for b in changed)
    removed = sum(_nights(before[b]) for b in changed if b in before)
    assert (added, removed) == (66, 8)  # not vacuous: both
    assert [
        re.sub(r" \d+\.\ds ", " <s> ", " ".join(line.split()))
        for line in said
        if " gold.hotel_daily_report" in line
    ] == [
        "ok gold.hotel_daily_report completed <s> incremental: the changes of silver.hotel_reservations "
        f"folded into its parts ({added} rows added, {removed} taken away)"
    ]
    expected = daily(after, list(stats.folios.files))
    report = [tuple(r) for r in spark.sql(REPORT).collect()]
    assert [(r[0], *r[1:]) for r in report] == [(d, *day.row()) for d, day in expected.items()]


def _nights(booking: dict[str, str]) -> int:
    """The room-nights a booking's row holds in the report (none when cancelled)."""
    if booking["booking_status"] == "Canceled":
        return 0
    return int(booking["no_of_weekend_nights"]) + int(booking["no_of_week_nights"])
