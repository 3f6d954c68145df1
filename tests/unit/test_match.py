"""Entity matching and survivorship: transitive clusters, rule order, bounded rounds, fuzzy
pairs, surviving values and a stable key, checked with exact values (chispa)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from pipelines.config.entity import Attribute, FuzzyRule, MatchSettings
from pipelines.transforms.match import jaro_winkler, match, match_key, rounds_needed
from pipelines.transforms.survive import entity_key, survive

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

SCHEMA = "_record_id string, name string, email string, phone string, dob string"
RULES = MatchSettings(rules=(("email",), ("phone", "dob"), ("name", "dob")), max_rounds=3)
NAMES = {"name": "name", "email": "text"}


def _records(spark: SparkSession, rows: list[tuple[str | None, ...]]) -> DataFrame:
    return spark.createDataFrame(rows, SCHEMA)


def _clusters(out: DataFrame) -> list[tuple[str, str, str | None]]:
    rows = out.select("_record_id", "_cluster", "_match_rule").orderBy("_record_id").collect()
    return [tuple(r) for r in rows]


def test_jaro_winkler_known_values() -> None:
    assert round(jaro_winkler("martha", "marhta"), 4) == 0.9611
    assert round(jaro_winkler("dwayne", "duane"), 4) == 0.84
    assert round(jaro_winkler("dixon", "dicksonx"), 4) == 0.8133
    assert (jaro_winkler("", "abc"), jaro_winkler("abc", "abc"), jaro_winkler("ab", "xy")) == (
        0.0, 1.0, 0.0,
    )  # fmt: skip


def test_match_keys_normalise(spark: SparkSession) -> None:
    df = spark.createDataFrame([(" O'Brien ",), ("Chloé  Martin",), ("  ",)], "v string")
    out = df.select(
        match_key(F.col("v"), "name").alias("name"),
        match_key(F.col("v"), "text").alias("text"),
        match_key(F.col("v"), "digits").alias("digits"),
    )
    expected = spark.createDataFrame(
        [("obrien", "o'brien", None), ("chloemartin", "chloé martin", None), (None, None, None)],
        "name string, text string, digits string",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def test_clusters_are_transitive_and_name_the_first_rule(spark: SparkSession) -> None:
    records = _records(
        spark,
        [
            ("crm:1", "Ann Lee", "ann@x.org", None, "1980-01-02"),
            ("feed:7", "ann lee", "ANN@X.ORG ", "+61412345678", "1980-01-02"),  # email -> crm:1
            ("feed:8", "Anne Lee", None, "+61412345678", "1980-01-02"),  # phone+dob -> feed:7
            ("feed:9", "O'Brien", None, None, "1990-05-05"),
            ("crm:2", "obrien", "other@x.org", None, "1990-05-05"),  # name+dob -> feed:9
            ("crm:3", "Ann Lee", None, None, None),  # no dob: no rule applies
            ("feed:5", None, None, "+61412345678", None),  # phone alone is no rule
        ],
    )
    out = match(records, RULES, NAMES)
    assert _clusters(out) == [
        ("crm:1", "crm:1", "email"),
        ("crm:2", "crm:2", "name+dob"),
        ("crm:3", "crm:3", None),
        ("feed:5", "feed:5", None),
        ("feed:7", "crm:1", "email"),
        ("feed:8", "crm:1", "phone+dob"),
        ("feed:9", "crm:2", "name+dob"),
    ]
    # the input columns come through unchanged
    assert out.where("_record_id = 'feed:7'").select("email").collect()[0][0] == "ANN@X.ORG "


def test_bounded_rounds_under_merge_a_long_chain(spark: SparkSession) -> None:
    chain = _records(
        spark,
        [
            ("a", None, "e1", None, None),
            ("b", None, "e1", "p1", "d"),
            ("c", None, None, "p1", "d"),
            ("d", "x", None, None, "d"),  # name+dob with e only
            ("e", "x", "e2", None, "d"),
        ],
    )
    one = MatchSettings(rules=RULES.rules, max_rounds=1)
    assert [c for _, c, _ in _clusters(match(chain, one))] == ["a", "a", "b", "d", "d"]
    assert [c for _, c, _ in _clusters(match(chain, RULES))] == ["a", "a", "a", "d", "d"]
    assert rounds_needed(chain, RULES) == 2


def test_fuzzy_rule_links_similar_names_within_a_block(spark: SparkSession) -> None:
    records = _records(
        spark,
        [
            ("1", "jonathan smith", None, None, "1970-03-04"),
            ("2", "jonathon smith", None, None, "1970-03-04"),  # typo, same block
            ("3", "jonathan smith", None, None, "1971-03-04"),  # another block
            ("4", "mary jones", None, None, "1970-03-04"),  # same block, not similar
        ],
    )
    fuzzy = FuzzyRule(block=("dob",), compare=("name",), enabled=True, threshold=0.9)
    settings = MatchSettings(rules=(("email",),), fuzzy=fuzzy)
    assert _clusters(match(records, settings, {"name": "text"})) == [
        ("1", "1", "fuzzy:name"), ("2", "1", "fuzzy:name"), ("3", "3", None), ("4", "4", None),
    ]  # fmt: skip
    lev = FuzzyRule(block=("dob",), compare=("name",), enabled=True, similarity="levenshtein", threshold=0.95)  # fmt: skip
    settings = MatchSettings(rules=(("email",),), fuzzy=lev)
    # 1 - 1/14 = 0.929: below 0.95
    assert [c for _, c, _ in _clusters(match(records, settings))] == ["1", "2", "3", "4"]


def test_survivorship_and_stable_key(spark: SparkSession) -> None:
    rows = [
        ("c", "crm:1", "crm", "1", datetime(2026, 1, 5), "email", "Ann", "ann@crm.org", None),
        ("c", "feed:7", "feed", "7", datetime(2026, 1, 9), "email", "Annabel", "ann@x.org", "+61"),
        ("c", "feed:8", "feed", "8", None, "phone", "Ann", None, "+62"),
    ]
    matched = spark.createDataFrame(
        rows,
        "_cluster string, _record_id string, _source string, _source_id string,"
        " _updated timestamp, _match_rule string, name string, email string, phone string",
    )
    attributes = {
        "name": Attribute(survive="most_complete"),
        "email": Attribute.model_validate({"survive": {"source_priority": ["crm", "feed"]}}),
        "phone": Attribute(),  # most_recent: feed:7 (feed:8 has no update time)
    }
    out = survive(matched, attributes).withColumn("key", entity_key(F.col("_cluster")))
    row = out.collect()[0].asDict()
    assert {k: row[k] for k in ("name", "email", "phone", "_records")} == {
        "name": "Annabel", "email": "ann@crm.org", "phone": "+61", "_records": 3,
    }  # fmt: skip
    assert [tuple(s) for s in row["_sources"]] == [
        ("crm", "1", "email"), ("feed", "7", "email"), ("feed", "8", "phone"),
    ]  # fmt: skip
    assert (row["_first_seen"], row["_last_seen"]) == (datetime(2026, 1, 5), datetime(2026, 1, 9))
    assert row["key"] == hashlib.sha256(b"c").hexdigest()[:32]
