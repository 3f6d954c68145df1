"""Scenario D on the real "Hotel Reservations.csv" in ../shared/data (read by path, copied into a
temporary landing folder for the run, never into the repository)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from tests.conftest import SHARED_DATA
from tests.graph.helpers import run, scalar
from tests.graph.hotel_oracle import daily, latest_valid_bookings, reservation_rows
from tests.graph.test_hotel_report import REPORT, hotel_only

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.acceptance, pytest.mark.graph, pytest.mark.spark]

RESERVATIONS = SHARED_DATA / "hotel_reservations_inn" / "Hotel Reservations.csv"


def test_real_reservations_nothing_lost_quirks_visible_report_exact(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path, lakehouse_home: Path
) -> None:
    if not RESERVATIONS.is_file():
        pytest.fail(f"the real datasets are expected beside the repository at {SHARED_DATA}")
    folder = tmp_path / "landing" / "hotel" / "reservations"
    folder.mkdir(parents=True)
    shutil.copy(RESERVATIONS, folder / RESERVATIONS.name)  # the space in the name stays

    result = run(spark, hotel_only(config), tmp_path / "landing", lakehouse_home, full_refresh=True)

    counts = result.row_counts
    assert counts["bronze.hotel_reservations"] == 36_275
    assert counts["silver.hotel_reservations"] + counts["quarantine.hotel_reservations"] == 36_275
    quarantined = spark.sql(
        "SELECT to_json(_reasons) reasons, arrival_year, arrival_month, arrival_date, count(*) n"
        " FROM quarantine.hotel_reservations GROUP BY ALL"
    ).collect()
    assert [tuple(r) for r in quarantined] == [('["rule:arrival_date_valid"]', "2018", "2", "29", 37)]  # fmt: skip
    warnings = spark.sql(
        "SELECT w, count(*) FROM silver.hotel_reservations LATERAL VIEW explode(_warnings) t AS w"
        " GROUP BY w ORDER BY w"
    ).collect()
    assert [tuple(r) for r in warnings] == [
        ("rule:has_adult_guest", 139), ("rule:room_price_positive", 545),
    ]  # fmt: skip
    zero = "SELECT count(*) FROM silver.hotel_reservations WHERE avg_price_per_room = 0"
    assert scalar(spark, zero) == 545  # every zero price is in silver, each one flagged
    assert scalar(spark, "SELECT count(*) FROM silver.hotel_reservations WHERE _file_date IS NOT NULL") == 0  # fmt: skip

    # the report, every day, against a plain-Python reading of the same file (no folios)
    expected = daily(latest_valid_bookings(reservation_rows([RESERVATIONS])), [])
    report = [tuple(r) for r in spark.sql(REPORT).collect()]
    assert len(report) == len(expected) == 559  # 2017-07-01 .. 2019-01-10
    assert report == [(d, *day.row()) for d, day in expected.items()]
    busiest = max(report, key=lambda r: (r[2], r[0]))
    assert busiest[1:3] == (320, 307)  # the declared capacity covers the busiest night
