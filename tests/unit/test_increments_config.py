"""Which sources the local runner may refresh from their new bronze rows alone, and why not
(``pipelines.local.increments.not_incremental``; no Spark)."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.config.model import SourceConfig
from pipelines.local.increments import not_incremental

BASE: dict[str, Any] = {
    "name": "stock",
    "description": "Stock levels.",
    "owner": "data_engineers",
    "source": {"type": "files", "path": "stock/*.csv"},
    "columns": [{"name": "id", "type": "int"}, {"name": "qty", "type": "int"}],
    "silver": {"dedupe": {"key": ["id"]}},
}


def _source(**changes: Any) -> SourceConfig:
    return SourceConfig.model_validate({**BASE, **changes})


def test_a_file_source_with_row_rules_and_a_key_is_incremental() -> None:
    rules = [
        {"name": "qty_ok", "expr": "qty >= 0 OR qty IS NULL"},
        {"not_null": ["id"]},
        {"accepted_values": {"column": "qty", "values": [1, 2]}, "action": "warn"},
    ]
    derive = {"dedupe": {}, "derive": {"double_qty": "qty * 2"}}
    assert not_incremental(_source(quality=rules, silver=derive)) is None


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {"source": {"type": "rest", "url": "https://api.example.com/stock"}},
            "bronze is a snapshot, read whole every run",
        ),
        (
            {"silver": {"cdc": {"keys": ["id"], "sequence_by": "qty"}}},
            "silver applies change events (silver.cdc)",
        ),
        ({"quality": [{"unique": ["id"]}]}, "rule unique_id reads more than its row"),
        (
            {
                "quality": [
                    {"name": "recent", "expr": "qty < datediff(current_date(), DATE'2020-01-01')"}
                ]
            },
            "rule recent reads more than its row",
        ),
        (
            {"quality": [{"foreign_key": {"column": "id", "references": "silver.items.id"}}]},
            "rule foreign_key_id looks up another table",
        ),
        (
            {"silver": {"derive": {"rank": "row_number() OVER (ORDER BY qty)"}}},
            "derived column rank reads more than its row",
        ),
        (
            {"silver": {"derive": {"seen": "now()"}}},
            "derived column seen reads more than its row",
        ),
    ],
)
def test_what_is_recomputed_says_why(changes: dict[str, Any], why: str) -> None:
    assert not_incremental(_source(**changes)) == why
