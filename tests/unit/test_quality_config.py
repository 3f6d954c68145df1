"""Quality rules and CDC settings in config: shortcuts compile to SQL, mistakes are located.

No Spark: everything here runs at ``lakehouse validate``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.model import RuleConfig
from pipelines.config.rule_check import METADATA_COLUMNS
from pipelines.config.sqlcheck import SqlSyntaxError, referenced_columns
from pipelines.errors import ConfigErrors

ORDERS = "sources/orders_cdc.yml"


def _edit(conf: Path, old: str, new: str) -> None:
    path = conf / ORDERS
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _messages(conf: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("rule", "name", "expr"),
    [
        ({"not_null": ["a", "b"]}, "not_null_a_b", "a IS NOT NULL AND b IS NOT NULL"),
        ({"unique": ["a", "b"]}, "unique_a_b",
         "a IS NULL OR b IS NULL OR count(1) OVER (PARTITION BY a, b) = 1"),
        ({"accepted_values": {"column": "s", "values": ["x", "it's", 3, True]}},
         "accepted_values_s", "s IS NULL OR s IN ('x', 'it\\'s', 3, true)"),
        ({"range": {"column": "q", "min": 1}}, "range_q", "q IS NULL OR (q >= 1)"),
        ({"range": {"column": "q", "min": 1, "max": 9.5}}, "range_q",
         "q IS NULL OR (q >= 1 AND q <= 9.5)"),
        ({"regex": {"column": "c", "pattern": r"^\d{3}$"}}, "regex_c",
         "c IS NULL OR c RLIKE '^\\\\d{3}$'"),
        ({"freshness": {"column": "t", "max_age": "36h"}, "action": "warn"}, "freshness_t",
         "max(t) OVER () >= current_timestamp() - INTERVAL 36 HOURS"),
        ({"foreign_key": {"column": "b", "references": "silver.cat.brand"}, "name": "known"},
         "known", "b IS NULL OR __fk_known IS NOT NULL"),
        ({"name": "own", "expr": "a > 1", "threshold_pct": 5}, "own", "a > 1"),
    ],
)  # fmt: skip
def test_every_shortcut_compiles_to_one_sql_rule(
    rule: dict[str, object], name: str, expr: str
) -> None:
    compiled = RuleConfig.model_validate(rule).compile()
    assert (compiled.name, compiled.expr) == (name, expr)


def test_foreign_key_compiles_to_a_lookup() -> None:
    rule = RuleConfig.model_validate({"foreign_key": {"column": "b", "references": "silver.cat.brand"}})  # fmt: skip
    reference = rule.compile().reference
    assert reference is not None
    assert (reference.column, reference.table, reference.key, reference.alias) == (
        "b", "silver.cat", "brand", "__fk_foreign_key_b",
    )  # fmt: skip


def test_cdc_rules_skip_deletes_and_require_keys_and_sequence(config: object) -> None:
    orders = load_config(Path(__file__).resolve().parents[2] / "src" / "conf").source("orders_cdc")
    rules = {r.name: r for r in orders.rules}
    assert list(rules)[:2] == ["cdc_keys_present", "cdc_sequence_present"]
    assert rules["cdc_sequence_present"].expr == "sequence_num IS NOT NULL"
    assert rules["amount_positive"].expr == "coalesce((op = 'DELETE'), false) OR (amount > 0)"
    # a delete event needs no known brand: it removes the order whatever it carries
    assert rules["foreign_key_brand"].expr == (
        "coalesce((op = 'DELETE'), false) OR (brand IS NULL OR __fk_foreign_key_brand IS NOT NULL)"
    )
    # bronze rules observe the raw feed, deletes included
    assert rules["freshness_updated_at"].expr.startswith("max(updated_at) OVER ()")


@pytest.mark.parametrize(
    ("sql", "columns"),
    [
        ("year IS NULL OR year BETWEEN 1900 AND 2100", ["year", "year"]),
        ("d > DATE '2024-01-01' - INTERVAL '1' YEAR AND day = 2", ["d", "day"]),
        ("lower(brand) IN ('hp', \"dell\") AND s.field > 1", ["brand", "s"]),
        ("CAST(q AS decimal(10, 2)) > 0 AND t >= current_date - INTERVAL 3 DAYS", ["q", "t"]),
        ("exists(items, x -> x.qty > 0) AND `odd name` = 1 AND v::int = 2", ["items", "odd name", "v"]),
        ("count(1) OVER (PARTITION BY k ORDER BY s) = 1", ["k", "s"]),
    ],
)  # fmt: skip
def test_sql_reading_finds_the_columns(sql: str, columns: list[str]) -> None:
    assert [name for name, _ in referenced_columns(sql)] == columns


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("a IN (1, 2", "missing ')' for the '(' opened at character 6"),
        ("a = 'x", "unterminated quote ' at character 5"),
        ("a > 1)", "unbalanced ')' at character 6"),
        ("a ; b", "unexpected character ';' at character 3"),
        ("   ", "empty expression at character 1"),
    ],
)
def test_sql_reading_rejects_malformed_expressions(sql: str, message: str) -> None:
    with pytest.raises(SqlSyntaxError) as caught:
        referenced_columns(sql)
    assert str(caught.value) == message


def test_metadata_columns_match_the_bronze_columns() -> None:
    from pipelines.transforms.conform import CORRUPT_COLUMN
    from pipelines.transforms.metadata import INGEST_COLUMNS

    assert (*INGEST_COLUMNS, CORRUPT_COLUMN) == METADATA_COLUMNS


def test_rule_sql_and_shortcut_columns_are_checked_with_suggestions(conf_copy: Path) -> None:
    _edit(conf_copy, "expr: amount > 0", "expr: amout > 0 AND (quantity > 0")
    _edit(conf_copy, "regex: {column: currency,", "regex: {column: curency,")
    _edit(conf_copy, "not_null: [brand]", "not_null: [brand, brnd]")
    _edit(conf_copy, "delete_when: op = 'DELETE'", "delete_when: opp = 'DELETE'")
    assert _messages(conf_copy) == [
        f"{ORDERS}:29:5: silver.cdc.delete_when: unknown column 'opp' (did you mean 'op'?)",
        f"{ORDERS}:35:23: quality[0].not_null[1]: unknown column 'brnd' (did you mean 'brand'?)",
        f"{ORDERS}:38:13: quality[3].regex.column: unknown column 'curency' (did you mean 'currency'?)",
        f"{ORDERS}:42:5: quality[5].expr: invalid SQL: missing ')' for the '(' opened at character 15",
    ]  # fmt: skip
    _edit(conf_copy, "expr: amout > 0 AND (quantity > 0", "expr: amout > 0")
    assert _messages(conf_copy)[-1] == (
        f"{ORDERS}:42:5: quality[5].expr: unknown column 'amout' (did you mean 'amount'?)"
    )


def test_foreign_key_must_reference_a_declared_column(conf_copy: Path) -> None:
    _edit(conf_copy, "references: silver.product_catalog.brand", "references: silver.product_catalgo.brand")  # fmt: skip
    assert _messages(conf_copy) == [
        f"{ORDERS}:40:34: quality[4].foreign_key.references: unknown dataset "
        "'silver.product_catalgo' (did you mean 'silver.product_catalog'?)"
    ]
    _edit(conf_copy, "silver.product_catalgo.brand", "silver.product_catalog.brandd")
    assert _messages(conf_copy) == [
        f"{ORDERS}:40:34: quality[4].foreign_key.references: 'silver.product_catalog' has no "
        "column 'brandd' (did you mean 'brand'?)"
    ]
    _edit(conf_copy, "silver.product_catalog.brandd", "silver.orders_cdc.brand")
    assert _messages(conf_copy) == [
        f"{ORDERS}:40:34: quality[4].foreign_key.references: a dataset cannot reference itself"
    ]


def test_rule_forms_and_layers_are_validated(conf_copy: Path) -> None:
    _edit(conf_copy, "  - not_null: [brand]", "  - not_null: [brand]\n    expr: brand <> ''")
    _edit(conf_copy, "    layer: bronze\n    action: warn", "    layer: bronze\n    action: drop")
    _edit(conf_copy, "max_age: 36h}\n    layer: bronze\n    action: warn", "max_age: 36h}\n    layer: silver")  # fmt: skip
    assert _messages(conf_copy) == [
        f"{ORDERS}:35:5: quality[0]: give exactly one of expr, not_null, unique, accepted_values, "
        "range, regex, foreign_key, freshness (got expr, not_null)",
        f"{ORDERS}:45:5: quality[6]: a bronze rule can only warn: bronze keeps every row "
        "(set threshold_pct to fail the run)",
        f"{ORDERS}:48:5: quality[7]: freshness is dataset-level: its action must be warn or fail "
        "(dropping or quarantining would empty the dataset)",
    ]  # fmt: skip


def test_cdc_settings_are_checked_against_the_columns(conf_copy: Path) -> None:
    _edit(conf_copy, "keys: [order_id]", "keys: [orderid]")
    assert _messages(conf_copy) == [
        f"{ORDERS}:27:5: silver.cdc.keys: names unknown columns: orderid (did you mean "
        "'order_id'?) (declared: order_id, brand, customer_id, status, quantity, amount, currency, "
        "updated_at, sequence_num, op)"
    ]
    _edit(conf_copy, "keys: [orderid]", "keys: [order_id]")
    _edit(conf_copy, "scd_type: 2", "scd_type: 1")
    assert _messages(conf_copy) == [f"{ORDERS}:31:5: silver.cdc.track_history: only with scd_type: 2"]  # fmt: skip
    _edit(conf_copy, "scd_type: 1", "scd_type: 2")
    _edit(conf_copy, "exclude_columns: [op]", "exclude_columns: [op]\n  dedupe: {key: [order_id]}")
    assert _messages(conf_copy) == [
        f"{ORDERS}:33:3: silver.dedupe: not used with silver.cdc (CDC keeps one row per key itself)"
    ]
    _edit(conf_copy, "\n  dedupe: {key: [order_id]}", "")
    _edit(conf_copy, "events are counted\n    layer: bronze", "events are counted\n    layer: silver")  # fmt: skip
    assert _messages(conf_copy) == [
        f"{ORDERS}:44:5: quality[6].unique: a dataset-level rule cannot check a change feed "
        "(it reaches AUTO CDC as a stream); use layer: bronze"
    ]
