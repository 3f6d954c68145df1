"""``silver.derive``: derived columns as SQL after casting, before the rules; config checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality

from pipelines.config import load_config
from pipelines.config.model import QualityRule
from pipelines.errors import ConfigErrors
from pipelines.transforms import apply_rules, derive_columns

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# the expressions of src/conf/sources/hotel_reservations.yml
ARRIVAL = {
    "check_in_date": "try_to_date(concat_ws('-', y, m, d), 'y-M-d')",
    "nights": "weekend + week",
    "check_out_date": "date_add(check_in_date, nights)",
}


@pytest.mark.spark
def test_derived_columns_chain_and_impossible_dates_are_null(spark: SparkSession) -> None:
    rows = spark.createDataFrame(
        [(2018, 2, 28, 1, 2), (2018, 2, 29, 0, 1), (2017, 10, 2, 0, 0), (None, 1, 1, 1, 0)],
        "y int, m int, d int, weekend int, week int",
    )
    out = derive_columns(rows, ARRIVAL)
    expected = spark.createDataFrame(
        [(2018, 2, 28, 1, 2, date(2018, 2, 28), 3, date(2018, 3, 3)),
         (2018, 2, 29, 0, 1, None, 1, None),
         (2017, 10, 2, 0, 0, date(2017, 10, 2), 0, date(2017, 10, 2)),
         (None, 1, 1, 1, 0, None, 1, None)],
        "y int, m int, d int, weekend int, week int, check_in_date date, nights int,"
        " check_out_date date",
    )  # fmt: skip
    assert_df_equality(out, expected, ignore_nullable=True)


@pytest.mark.spark
def test_a_rule_on_a_derived_column_quarantines_with_its_name(spark: SparkSession) -> None:
    rows = spark.createDataFrame(
        [(2018, 2, 28, 1, 2, []), (2018, 2, 29, 0, 1, [])],
        "y int, m int, d int, weekend int, week int, _reasons array<string>",
    )
    rule = QualityRule(name="arrival_date_valid", expr="check_in_date IS NOT NULL")
    checked = apply_rules(derive_columns(rows, ARRIVAL), (rule,))
    reasons = [(r.d, list(r._reasons)) for r in checked.orderBy("d").collect()]
    assert reasons == [(28, []), (29, ["rule:arrival_date_valid"])]


def test_derived_name_may_not_shadow_a_declared_column(conf_copy: Path) -> None:
    path = conf_copy / "sources" / "hotel_reservations.yml"
    text = path.read_text()
    path.write_text(text.replace("    nights: no_of_weekend", "    lead_time: no_of_weekend", 1))
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf_copy)
    line = text[: text.index("  derive:")].count("\n") + 1
    assert [str(p).replace(f"{conf_copy}/", "") for p in caught.value.problems] == [
        f"sources/hotel_reservations.yml:{line}:3: silver.derive: derived names clash with"
        " declared columns: lead_time"
    ]


def test_derive_sql_names_only_columns_declared_or_derived_before(conf_copy: Path) -> None:
    path = conf_copy / "sources" / "hotel_reservations.yml"
    text = path.read_text()
    text = text.replace("nights: no_of_weekend_nights + no_of_week_nights", "nights: no_of_weekend_nights + no_of_week_night", 1)  # fmt: skip
    text = text.replace("date_add(check_in_date, nights)", "date_add(check_in_date, stay_nights)", 1)  # fmt: skip
    path.write_text(text)
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf_copy)
    problems = [(p.key_path, p.message) for p in caught.value.problems]
    assert problems == [
        (
            "silver.derive.nights",
            "unknown column 'no_of_week_night' (did you mean 'no_of_week_nights'?)",
        ),
        ("silver.derive.check_out_date", "unknown column 'stay_nights' (did you mean 'nights'?)"),
    ]
