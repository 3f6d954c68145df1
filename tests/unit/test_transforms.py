"""The pure DataFrame functions every layer is built from, checked with chispa."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality

from pipelines.config.model import Column, FileDate, QualityRule
from pipelines.transforms import (
    add_ingest_metadata,
    apply_rules,
    conform,
    deduplicate,
    latest_file_per_date,
    quarantined_rows,
    valid_rows,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

COLUMNS = (
    Column(name="brand", nullable=False),
    Column(name="year", type="int"),
    Column(name="image", trim=False),
)


def test_conform_types_cleans_and_explains(spark: SparkSession) -> None:
    raw = spark.createDataFrame(
        [(" HP ", "1999", "", None), ("", "19x9", " img ", None), (None, None, None, "a,b,c,d")],
        "brand string, year string, image string, _corrupt_record string",
    )
    out = conform(raw, COLUMNS, has_corrupt_record=True).select(
        "brand", "year", "image", "_reasons"
    )
    expected = spark.createDataFrame(
        [("HP", 1999, None, []), (None, None, " img ", ["not_null:brand", "cast:year"]),
         (None, None, None, ["unparseable_row", "not_null:brand"])],
        "brand string, year int, image string, _reasons array<string>",
    )  # fmt: skip
    assert_df_equality(out, expected, ignore_nullable=True)


def test_conform_reads_null_tokens_as_missing_before_typing(spark: SparkSession) -> None:
    columns = (
        Column(name="n", type="int", nullable=False, null_values=("NULL", "NA")),
        Column(name="s", null_values=("NULL",)),
        Column(name="t"),
    )
    raw = spark.createDataFrame(
        [(" NULL ", "NA", "NULL"), ("NA", "NULL", "x"), ("7", "ok", None), ("null", None, "")],
        "n string, s string, t string",
    )
    out = conform(raw, columns).select("n", "s", "t", "_reasons")
    assert [tuple(r) for r in out.collect()] == [
        (None, "NA", "NULL", ["not_null:n"]),  # missing, not a failed cast
        (None, None, "x", ["not_null:n"]),
        (7, "ok", None, []),
        (None, None, None, ["cast:n", "not_null:n"]),  # exact: "null" is no "NULL"
    ]


def test_conform_keeps_raw_values(spark: SparkSession) -> None:
    raw = spark.createDataFrame([(" HP ", "19x9", "")], "brand string, year string, image string")
    row = conform(raw, COLUMNS).select("_raw.*").collect()[0]
    assert tuple(row) == (" HP ", "19x9", "")


def test_rules_route_rows_by_action(spark: SparkSession) -> None:
    rules = (
        QualityRule(name="recent", expr="year >= 2000", action="quarantine"),
        QualityRule(name="not_acer", expr="brand <> 'Acer'", action="drop"),
        QualityRule(name="has_image", expr="image IS NOT NULL", action="warn"),
    )
    rows = spark.createDataFrame(
        [("HP", 2005, "i", []), ("HP", 1990, None, []), ("Acer", 2005, "i", []), ("Dell", None, "i", ["cast:year"])],
        "brand string, year int, image string, _reasons array<string>",
    )  # fmt: skip
    checked = apply_rules(rows, rules)
    out = checked.select("brand", "_reasons", "_dropped_by", "_warnings")
    expected = spark.createDataFrame(
        [("HP", [], [], []), ("HP", ["rule:recent"], [], ["rule:has_image"]),
         ("Acer", [], ["rule:not_acer"], []), ("Dell", ["cast:year", "rule:recent"], [], [])],
        "brand string, _reasons array<string>, _dropped_by array<string>, _warnings array<string>",
    )  # fmt: skip
    assert_df_equality(out, expected, ignore_nullable=True)
    assert [r.brand for r in valid_rows(checked).collect()] == ["HP"]
    assert sorted(r.brand for r in quarantined_rows(checked).collect()) == ["Dell", "HP"]


def test_fail_rule_aborts_with_its_name(spark: SparkSession) -> None:
    from pyspark.errors import PySparkException

    rows = spark.createDataFrame(
        [("HP", 1990, [])], "brand string, year int, _reasons array<string>"
    )
    rule = QualityRule(name="no_old_years", expr="year >= 2000", action="fail")
    with pytest.raises(PySparkException, match="quality rule 'no_old_years' failed"):
        apply_rules(rows, (rule,)).collect()


def _deliveries(spark: SparkSession) -> object:
    return spark.createDataFrame(
        [("a", "/l/p_20210404.csv", datetime(2021, 4, 4, 8), date(2021, 4, 4)),
         ("b", "/l/p_20210404.csv", datetime(2021, 4, 4, 8), date(2021, 4, 4)),
         ("a", "/l/p_20210404_fix.csv", datetime(2021, 4, 5, 9), date(2021, 4, 4)),
         ("a", "/l/p_20210403.csv", datetime(2021, 4, 3, 8), date(2021, 4, 3)),
         ("c", "/l/undated.csv", datetime(2021, 4, 1, 8), None)],
        "_content_hash string, _source_file string, _file_modified_at timestamp, _file_date date",
    )  # fmt: skip


def test_newest_file_of_a_date_replaces_the_older(spark: SparkSession) -> None:
    kept = latest_file_per_date(_deliveries(spark))  # type: ignore[arg-type]
    files = sorted((r._source_file, r._content_hash) for r in kept.collect())
    assert files == [("/l/p_20210403.csv", "a"), ("/l/p_20210404_fix.csv", "a"), ("/l/undated.csv", "c")]  # fmt: skip


def test_deduplicate_keeps_latest_or_earliest_delivery(spark: SparkSession) -> None:
    rows = _deliveries(spark)
    latest = deduplicate(rows, (), "latest")  # type: ignore[arg-type]
    assert sorted((r._content_hash, r._source_file) for r in latest.collect()) == [
        ("a", "/l/p_20210404_fix.csv"), ("b", "/l/p_20210404.csv"), ("c", "/l/undated.csv")]  # fmt: skip
    earliest = deduplicate(rows, ("_content_hash",), "earliest")  # type: ignore[arg-type]
    assert sorted((r._content_hash, r._source_file) for r in earliest.collect()) == [
        ("a", "/l/p_20210403.csv"), ("b", "/l/p_20210404.csv"), ("c", "/l/undated.csv")]  # fmt: skip


def test_ingest_metadata_parses_file_date_and_hashes_content(spark: SparkSession) -> None:
    raw = spark.createDataFrame(
        [("x", None, "/l/product_catalog_20210404.csv"), ("x", "", "/l/other.csv"),
         ("x", None, "/l/product_catalog_20211399.csv")],
        "a string, b string, _source_file string",
    ).withColumn("_file_modified_at", __import__("pyspark.sql.functions").sql.functions.current_timestamp())  # fmt: skip
    out = add_ingest_metadata(
        raw, run_id="r1", hashed_columns=["a", "b"], file_date=FileDate(regex=r"_(\d{8})\.csv$")
    ).collect()
    assert [r._file_date for r in out] == [date(2021, 4, 4), None, None]
    # One regex per row: a `when(text != "", ...)` around the parse ran it twice (session 25)
    dated = add_ingest_metadata(
        raw, run_id="r1", hashed_columns=["a"], file_date=FileDate(regex=r"_(\d{8})\.csv$")
    ).select("_file_date")
    plans = dated._explain_string(mode="extended")  # type: ignore[operator]
    analyzed = plans.split("== Analyzed Logical Plan ==")[1].split("== Optimized")[0]
    assert analyzed.count("regexp_extract(") == 1
    assert {r._run_id for r in out} == {"r1"}
    # null and empty string hash differently; same content hashes the same
    assert out[0]._content_hash != out[1]._content_hash
    assert out[0]._content_hash == out[2]._content_hash
    assert len(out[0]._content_hash) == 64


def test_record_hash_is_the_sha256_of_the_typed_values_equal_exactly_when_they_are(
    spark: SparkSession,
) -> None:
    from datetime import UTC
    from hashlib import sha256

    from pyspark.sql import functions as F

    from pipelines.transforms.dedupe import record_hash

    at = datetime(2021, 4, 3, 10, 0, 0, 1, tzinfo=UTC)
    later = datetime(2021, 4, 3, 10, 0, 0, 2, tzinfo=UTC)
    rows = spark.createDataFrame(
        [(1, "a", 1, 0.0, at), (2, "a", 1, -0.0, at), (3, None, 1, 0.0, at), (4, "", 1, 0.0, at),
         (5, "a", None, 0.0, at), (6, "a", 1, 0.0, later), (7, "1", None, 0.0, at)],
        "id int, s string, n int, x double, t timestamp",
    )  # fmt: skip
    columns = {"s": "string", "n": "int", "x": "double", "t": "timestamp"}
    hashed = rows.select("id", record_hash(columns).alias("h"))
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:  # the session's time zone does not change a timestamp's hash
        other_zone = {r.id: r.h for r in hashed.collect()}
    finally:
        spark.conf.unset("spark.sql.session.timeZone")
    by_id = {r.id: r.h for r in hashed.collect()}
    assert other_zone == by_id
    text = '{"s":"a","n":1,"x":0.0,"t":"2021-04-03T10:00:00.000001Z"}'
    assert by_id[1] == sha256(text.encode()).hexdigest()
    # -0.0 is 0.0 (as grouping has it); null, '', another column's null, a microsecond apart
    # are all different records
    assert by_id[2] == by_id[1]
    assert len({by_id[i] for i in (1, 3, 4, 5, 6, 7)}) == 6
    # the same records as grouping by the columns themselves
    distinct = rows.agg(F.count_distinct(F.struct("s", "n", "x", "t"))).collect()[0][0]
    assert len(set(by_id.values())) == distinct == 6
