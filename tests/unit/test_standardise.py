"""Standardisation helpers and their config surface: exact values (chispa), exact errors."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.config.model import Column, PiiSpec, QualityRule, Standardise
from pipelines.pii.keys import PiiKeys
from pipelines.transforms import apply_rules, conform
from pipelines.transforms.pii import mask_pii
from pipelines.transforms.standardise import (
    change_case,
    email,
    iso_date,
    parse_datetime,
    phone_e164,
    to_e164,
)
from tests.unit.test_config_errors import _edit, _messages

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

KEY = b"k" * 32  # a test key: never a real one
FEED = "sources/customer_feed.yml"


def _one_column(spark: SparkSession, values: list[str | None]):  # type: ignore[no-untyped-def]
    return spark.createDataFrame([(v,) for v in values], "v string")


def test_to_e164_reads_national_and_international_forms() -> None:
    assert [to_e164(v, "AU") for v in ("0412 345 678", "+61 412 345 678", "(02) 9876-5432")] == [
        "+61412345678", "+61412345678", "+61298765432",
    ]  # fmt: skip
    assert to_e164("+351 912 345 001", "AU") == "+351912345001"  # a country code wins
    assert [to_e164(v, "AU") for v in ("12", "not a phone", "", None)] == [None] * 4


@pytest.mark.spark
def test_phone_e164_column(spark: SparkSession) -> None:
    df = _one_column(spark, [" 0412 345 678", "+61412345678", "0412-345-67", None, "  "])
    out = df.select(phone_e164(F.col("v"), "AU").alias("v"))
    expected = _one_column(spark, ["+61412345678", "+61412345678", None, None, None])
    assert_df_equality(out, expected, ignore_nullable=True)


@pytest.mark.spark
def test_email_case_and_dates(spark: SparkSession) -> None:
    df = _one_column(
        spark, ["  Jane.Doe@Example.COM ", "jane at example", "19371233", "03/04/2021"]
    )
    out = df.select(
        email(F.col("v")).alias("email"),
        change_case(F.col("v"), "title").alias("title"),
        change_case(F.col("v"), "upper").alias("upper"),
        iso_date(F.col("v"), ["yyyy-MM-dd", "yyyyMMdd", "dd/MM/yyyy"]).alias("iso"),
    )
    expected = spark.createDataFrame(
        [("jane.doe@example.com", "Jane.doe@example.com", "JANE.DOE@EXAMPLE.COM", None),
         (None, "Jane At Example", "JANE AT EXAMPLE", None),
         (None, "19371233", "19371233", None),  # day 33: no pattern reads it
         (None, "03/04/2021", "03/04/2021", "2021-04-03")],
        "email string, title string, upper string, iso string",
    )  # fmt: skip
    assert_df_equality(out, expected, ignore_nullable=True)


@pytest.mark.spark
def test_parse_datetime_first_pattern_that_parses_wins(spark: SparkSession) -> None:
    df = _one_column(spark, ["2021-04-03", "20210403", "03/04/2021", "2021/04/03"])
    out = df.select(parse_datetime(F.col("v"), ["yyyy-MM-dd", "yyyyMMdd", "dd/MM/yyyy"]))
    stamps = [r[0] for r in out.collect()]
    assert stamps == [datetime(2021, 4, 3)] * 3 + [None]


@pytest.mark.spark
def test_conform_standardises_and_counts_what_fails(spark: SparkSession) -> None:
    columns = (
        Column(name="phone", standardise=Standardise(phone={"region": "AU"})),
        Column(name="email", standardise=Standardise(email=True, on_invalid="quarantine")),
        Column(name="name", standardise=Standardise(case="title")),
        Column(name="born", type="date", formats=("yyyy-MM-dd", "yyyyMMdd")),
    )
    raw = spark.createDataFrame(
        [("0412 345 678", " A@B.CO ", " mary ANN ", "19800131"),
         ("12", "nope", None, "1980-01-32"), (None, None, "x", None)],
        "phone string, email string, name string, born string",
    )  # fmt: skip
    rules = [
        QualityRule(name="standardise_phone", expr="phone IS NOT NULL OR nullif(trim(_raw.phone), '') IS NULL", action="warn"),
        QualityRule(name="standardise_email", expr="email IS NOT NULL OR nullif(trim(_raw.email), '') IS NULL", action="quarantine"),
    ]  # fmt: skip
    out = apply_rules(conform(raw, columns), rules).select(*[c.name for c in columns], "_reasons", "_warnings")  # fmt: skip
    expected = spark.createDataFrame(
        [("+61412345678", "a@b.co", "Mary Ann", date(1980, 1, 31), [], []),
         (None, None, None, None, ["cast:born", "rule:standardise_email"],
          ["rule:standardise_phone"]),
         (None, None, "X", None, [], [])],
        "phone string, email string, name string, born date, _reasons array<string>,"
        " _warnings array<string>",
    )  # fmt: skip
    assert_df_equality(out, expected, ignore_nullable=True)


@pytest.mark.spark
def test_pii_tokens_are_taken_of_the_standard_form(spark: SparkSession) -> None:
    phone = Column(
        name="phone",
        standardise=Standardise(phone={"region": "AU"}),
        pii=PiiSpec.model_validate({"class": "phone", "mask": "token"}),
    )
    raw = _one_column(spark, ["0412 345 678", "+61 412-345-678", "12", " ", None])
    masked = mask_pii(raw.withColumnRenamed("v", "phone"), [phone], PiiKeys(KEY), has_corrupt_record=False)  # fmt: skip
    token = hmac.new(KEY, b"+61412345678", hashlib.sha256).hexdigest()
    assert [r[0] for r in masked.collect()] == [token, token, "[INVALID]", " ", None]
    # silver reads [INVALID] as NULL, and the implicit rule sees the failure
    silver = conform(masked, [phone]).select("phone").collect()
    assert [r[0] for r in silver] == [token, token, None, None, None]


# ------------------------------------------------------------------ config surface


def test_standardise_config_errors(conf_copy: Path) -> None:
    _edit(conf_copy, FEED, "{name: postcode}", "{name: postcode, standardise: {phone: {region: UA}, email: true}}")  # fmt: skip
    _edit(conf_copy, FEED, "{name: suburb}", "{name: suburb, standardise: {phone: {region: AUS}}}")
    _edit(conf_copy, FEED, "{name: state, ", "{name: state, type: int, ")
    _edit(conf_copy, FEED, "{name: signup_date, type: date}", "{name: signup_date, type: date, standardise: {date: [yyyyMMdd]}, formats: [yyyy-MM-dd, ddMMjj]}")  # fmt: skip
    lines = (conf_copy / FEED).read_text().splitlines()
    line = {key: n for n, text in enumerate(lines, 1) for key in ("postcode", "suburb", "state", "signup") if f"name: {key}" in text}  # fmt: skip
    assert _messages(conf_copy) == [
        f"{FEED}:{line['suburb']}:42: columns[7].standardise.phone.region: unknown region 'AUS' (ISO 3166-1 alpha-2) (did you mean 'AU'?)",
        f"{FEED}:{line['postcode']}:22: columns[8].standardise: choose one of phone, email, date (got phone, email)",
        f"{FEED}:{line['state']}:30: columns[9].standardise: only string columns are standardised (type is int)",
        f"{FEED}:{line['signup']}:37: columns[10].standardise: only string columns are standardised (type is date); a date column reads several patterns with formats: [...]",
        f"{FEED}:{line['signup']}:70: columns[10].formats: 'ddMMjj' is not a Spark datetime pattern (unknown letters: 'j'); e.g. yyyy-MM-dd, yyyyMMdd, dd/MM/yyyy",
    ]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({}, "name at least one of case, phone, email, date"),
        (
            {"case": "title", "phone": {"region": "AU"}},
            "case does not combine with phone (it fixes the whole form)",
        ),
        ({"case": "lower", "on_invalid": "quarantine"}, "on_invalid: a case change cannot fail"),
        (
            {"phone": {"region": "au"}},
            "unknown region 'au' (ISO 3166-1 alpha-2) (did you mean 'AU'?)",
        ),
    ],
)
def test_standardise_block_errors(block: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="validation error") as caught:
        Standardise.model_validate(block)
    assert message in str(caught.value)
