"""Rule evaluation: every broken rule is named, dataset-level rules, lookups, counts.

The two ways dlt-meta gets this wrong (databrickslabs/sdp-meta #435: quarantine rules
combined with all-of semantics, no record of which rule failed, invalid rows left in the
main table) are what the first test pins down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from chispa import assert_df_equality

from pipelines.config.model import QualityRule, RuleConfig
from pipelines.transforms import apply_rules, quarantined_rows, valid_rows
from pipelines.transforms.quality import flag_rules, rule_counts, with_reference

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def _rule(**config: object) -> QualityRule:
    return RuleConfig.model_validate(config).compile()


def test_any_broken_rule_quarantines_and_every_broken_rule_is_named(spark: SparkSession) -> None:
    rules = (
        _rule(not_null=["brand"]),
        _rule(range={"column": "qty", "min": 1}),
        _rule(unique=["id"]),
        _rule(regex={"column": "cur", "pattern": "^[A-Z]{3}$"}, action="warn"),
        _rule(accepted_values={"column": "cur", "values": ["EUR", "USD"]}, action="drop"),
    )
    rows = spark.createDataFrame(
        [(1, "HP", 1, "EUR"), (2, None, 0, "eur"), (2, "HP", 5, "GBP"), (3, "HP", None, "USD")],
        "id int, brand string, qty int, cur string",
    ).selectExpr("*", "CAST(array() AS array<string>) AS _reasons")
    checked = apply_rules(rows, rules)
    quarantined = quarantined_rows(checked).select("id", "brand", "_reasons")
    expected = spark.createDataFrame(
        # both rows of the duplicated id fail `unique`; a quarantined row names its warn and
        # drop rules too
        [(2, None, ["rule:not_null_brand", "rule:range_qty", "rule:unique_id",
                    "rule:accepted_values_cur", "rule:regex_cur"]),
         (2, "HP", ["rule:unique_id", "rule:accepted_values_cur"])],
        "id int, brand string, _reasons array<string>",
    )  # fmt: skip
    assert_df_equality(quarantined, expected, ignore_row_order=True, ignore_nullable=True)
    assert sorted(r.id for r in valid_rows(checked).collect()) == [1, 3]
    counts = rule_counts(checked, rules).collect()[0].asDict()
    assert counts == {
        "checked_rows": 4, "not_null_brand": 1, "range_qty": 1, "unique_id": 2,
        "regex_cur": 1, "accepted_values_cur": 2,
    }  # fmt: skip


def test_dataset_level_rule_may_fail_the_flow(spark: SparkSession) -> None:
    """A window rule with action fail: the verdict is a column first, then the guard filters."""
    from pyspark.errors import PySparkException

    rows = spark.createDataFrame([(1,), (1,)], "id int").selectExpr("id", "array() AS _reasons")
    with pytest.raises(PySparkException, match="quality rule 'unique_id' failed"):
        apply_rules(rows, (_rule(unique=["id"], action="fail"),)).collect()


def test_foreign_key_lookup_and_bronze_style_flags(spark: SparkSession) -> None:
    rule = _rule(foreign_key={"column": "brand", "references": "silver.catalog.name"})
    assert rule.reference is not None
    orders = spark.createDataFrame([(1, "HP"), (2, "Apple"), (3, None)], "id int, brand string")
    catalog = spark.createDataFrame([("HP",), ("HP",), ("Dell",)], "name string")
    joined = flag_rules(with_reference(orders, rule.reference, catalog), (rule,))
    flags = sorted((r.id, r["__rule_foreign_key_brand"]) for r in joined.collect())
    assert flags == [(1, False), (2, True), (3, False)]  # no duplicate rows from the lookup
