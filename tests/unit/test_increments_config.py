"""Which sources the local runner may refresh from their new bronze rows alone, and why not
(``pipelines.local.increments.not_incremental``; no Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.config.model import GoldModel, SourceConfig
from pipelines.config.sqlagg import Grouped, grouped_query
from pipelines.config.sqlast import RowWise, replace_table, row_wise_query
from pipelines.config.sqlparts import Composed
from pipelines.layers.silver import replacement_changes
from pipelines.local.increments import not_incremental
from pipelines.local.marts import mart_input, row_wise_input

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
    # change events too: a day's events are applied to silver (pipelines.local.cdc_merge)
    cdc = {"keys": ["id"], "sequence_by": "qty", "delete_when": "qty < 0", "scd_type": 2}
    assert not_incremental(_source(quality=rules, silver={"cdc": cdc})) is None


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {"source": {"type": "rest", "url": "https://api.example.com/stock"}},
            "bronze is a snapshot, read whole every run",
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


# Gold: which marts the local runner may refresh from silver's new rows alone
# (``pipelines.config.sqlast.row_wise_query``, ``pipelines.local.marts.row_wise_input``).


def _mart(sql: str) -> GoldModel:
    return GoldModel(name="m", description="A mart.", owner="data_engineers", sql=sql)


def test_a_filter_and_projection_of_one_silver_table_is_row_wise() -> None:
    sql = "SELECT s.id, qty * 2 AS twice, transform(tags, t -> upper(t)) AS tags FROM silver.stock s WHERE qty > 0"
    source = _source()
    assert row_wise_input(_mart(sql), [source]) == (
        source, RowWise("silver.stock", frozenset({"s", "id", "qty", "tags"})),
    )  # fmt: skip
    assert row_wise_query("SELECT * FROM silver.stock") == RowWise("silver.stock", None)
    assert row_wise_query("SELECT explode(tags) AS tag FROM silver.stock") == RowWise(
        "silver.stock", frozenset({"tags"})
    )


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT a.id FROM silver.stock a JOIN silver.items b ON a.id = b.id", "it has a join"),
        ("SELECT id, count(*) AS n FROM silver.stock GROUP BY id", "it has GROUP BY"),
        ("SELECT count(*) AS n FROM silver.stock", "it has an aggregate"),
        ("SELECT DISTINCT id FROM silver.stock", "it has DISTINCT"),
        ("SELECT id FROM silver.stock ORDER BY id LIMIT 3", "it has LIMIT, ORDER BY"),
        ("SELECT id, rank() OVER (ORDER BY qty) AS r FROM silver.stock", "it has a window"),
        ("SELECT id FROM silver.stock WHERE qty > (SELECT 1)", "it has a subquery"),
        ("WITH s AS (SELECT id FROM silver.stock) SELECT id FROM s", "it has a WITH clause"),
        (
            "SELECT id FROM silver.stock UNION ALL SELECT id FROM silver.stock",
            "it is not one SELECT",
        ),
        (
            "SELECT id, current_date() AS today FROM silver.stock",
            "it calls the clock or a random function",
        ),
        (
            "SELECT id FROM silver.stock WHERE rand() < 0.1",
            "it calls the clock or a random function",
        ),
        ("SELECT 1 AS one", "it does not read exactly one table"),
        ("SELECT id FROM silver.items", "silver.items is not refreshed from new rows"),
    ],
)
def test_a_mart_that_is_not_row_wise_says_why(sql: str, why: str) -> None:
    assert row_wise_input(_mart(sql), [_source()]) == why


def test_a_python_mart_and_a_mart_over_a_snapshot_are_recomputed() -> None:
    python = GoldModel(
        name="m", description="A mart.", owner="data_engineers", python="marts:build",
        inputs=("silver.stock",), columns={"id": "The stock's id"},
    )  # fmt: skip
    assert row_wise_input(python, [_source()]) == "it is a Python function"
    rest = _source(source={"type": "rest", "url": "https://api.example.com/stock"})
    assert row_wise_input(_mart("SELECT id FROM silver.stock"), [rest]) == (
        "silver.stock is not refreshed from new rows"
    )


def test_the_mart_reads_the_new_rows_under_the_tables_name() -> None:
    """Only the table's name is replaced: the rest is the query as written."""
    sql = "SELECT stock.id, upper(kind) AS kind FROM `silver`.`stock` WHERE qty IS NOT NULL"
    assert replace_table(sql, "silver.stock", "_fresh_stock") == (
        "SELECT stock.id, upper(kind) AS kind FROM _fresh_stock AS `stock` WHERE qty IS NOT NULL"
    )
    assert replace_table("SELECT s.id FROM silver.stock AS s", "silver.stock", "_f") == (
        "SELECT s.id FROM _f AS s"
    )
    odd = "SELECT x::int AS y, `odd name` FROM  Silver.Stock s WHERE kind RLIKE 'silver.stock'"
    assert replace_table(odd, "silver.stock", "_f") == (
        "SELECT x::int AS y, `odd name` FROM  _f s WHERE kind RLIKE 'silver.stock'"
    )


def test_what_a_replaced_row_may_change() -> None:
    """Without a key, a row is replaced only by one equal in every stored value: its lineage
    and what is derived from it may change. With a key, anything may."""
    keyless = _source(
        silver={"dedupe": {}, "derive": {"twice": "qty * 2", "day": "dayofweek(_file_date)"}}
    )
    assert replacement_changes(keyless) == frozenset(
        {"_warnings", "_source_file", "_file_modified_at", "_file_date", "_ingested_at",
         "_run_id", "_content_hash", "day"}
    )  # fmt: skip
    assert replacement_changes(_source()) is None


# Aggregates: split into partial sums the local runner folds silver's changes into
# (``pipelines.config.sqlagg.grouped_query``, ``pipelines.local.marts.mart_input``).


def test_an_aggregate_is_split_into_partials_and_a_final_query() -> None:
    """Each aggregate once (count(*) read three times is one partial), a sum with the count
    of its inputs, the filter in the partials, HAVING in the final query."""
    sql = (
        "SELECT s.kind, count(*) AS n, round(count_if(qty > 5) / count(*), 2) AS share, "
        "sum(qty) FILTER (WHERE qty > 0) AS stocked FROM silver.stock AS s WHERE id > 0 "
        "GROUP BY 1 HAVING count(*) > 1"
    )
    source = _source()
    found = mart_input(_mart(sql), [source])
    assert not isinstance(found, str)
    assert found[0] == (source,)
    plan = found[1]
    assert isinstance(plan, Grouped)
    assert (plan.table, plan.groups, plan.sums, plan.counts) == (
        "silver.stock", ("kind",), ("_m1",), ("_m0", "_n1", "_m2", "_rows"),
    )  # fmt: skip
    assert plan.partials_sql("_in") == (
        "SELECT `kind`, COUNT(*) AS _m0, SUM(qty) FILTER(WHERE qty > 0) AS _m1, "
        "COUNT(qty) FILTER(WHERE qty > 0) AS _n1, COUNT_IF(qty > 5) AS _m2, COUNT(*) AS _rows "
        "FROM _in AS s WHERE id > 0 GROUP BY `kind`"
    )
    assert plan.final_sql("_partials") == (
        "SELECT s.kind, _m0 AS n, ROUND(_m2 / _m0, 2) AS share, CASE WHEN _n1 > 0 THEN _m1 END AS stocked "
        "FROM _partials AS s WHERE _m0 > 1"
    )
    # Over the whole table, no alias: the view takes the table's name.
    total = grouped_query("SELECT count(*) AS n FROM silver.stock")
    assert isinstance(total, Grouped)
    assert total.groups == ()
    assert total.final_sql("_p") == "SELECT _m0 AS n FROM _p AS stock"


def test_an_average_is_a_sum_over_a_count_and_extremes_are_kept_as_they_are() -> None:
    """avg as Spark computes an average of integers (their sum as a double, divided by how
    many); min and max as partials of their own (the fold takes rows added only)."""
    sql = "SELECT id, min(qty) AS low, max(_file_date) AS last, avg(qty) AS mean FROM silver.stock GROUP BY id"  # fmt: skip
    plan = grouped_query(sql)
    assert isinstance(plan, Grouped)
    kinds = (plan.sums, plan.counts, plan.mins, plan.maxes, plan.averaged)
    assert kinds == (("_m2",), ("_n2", "_rows"), ("_m0",), ("_m1",), ("_m2",))
    assert plan.partials_sql("_in") == (
        "SELECT `id`, MIN(qty) AS _m0, MAX(_file_date) AS _m1, SUM(qty) AS _m2, COUNT(qty) AS _n2, "
        "COUNT(*) AS _rows FROM _in AS stock GROUP BY `id`"
    )
    assert plan.final_sql("_p") == (
        "SELECT id, _m0 AS low, _m1 AS last, CASE WHEN _n2 > 0 THEN CAST(_m2 AS DOUBLE) / _n2 END AS mean "
        "FROM _p AS stock"
    )


def test_the_shipped_hotel_marts_fold_their_groups() -> None:
    for name, table, groups in [
        ("hotel_bookings_by_segment", "silver.hotel_reservations", ("market_segment_type",)),
        ("hotel_bookings_by_status", "silver.booking_events", ("hotel", "status")),
    ]:
        model = yaml.safe_load((Path("src/conf/gold") / f"{name}.yml").read_text())
        plan = grouped_query(model["sql"])
        assert isinstance(plan, Grouped)
        assert (plan.table, plan.groups) == (table, groups)


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT id, stddev(qty) AS spread FROM silver.stock GROUP BY id", "it has STDDEV(), which cannot be updated from changed rows"),
        ("SELECT id, collect_list(qty) AS all FROM silver.stock GROUP BY id", "it has COLLECT_LIST(), which cannot be updated from changed rows"),
        ("SELECT count(DISTINCT id) AS ids FROM silver.stock", "it has COUNT(DISTINCT ...), which cannot be updated from changed rows"),
        ("SELECT id, count(*) FROM silver.stock GROUP BY id", "COUNT(*) has no name (AS ...)"),
        ("SELECT id, qty, count(*) AS n FROM silver.stock GROUP BY id", "it reads qty outside an aggregate and its GROUP BY"),
        ("SELECT upper(kind) AS k, count(*) AS n FROM silver.stock GROUP BY upper(kind)", "it groups by UPPER(kind), not by a column of its table"),
        ("SELECT id, count(*) AS n FROM silver.stock GROUP BY 3", "GROUP BY 3 is not a column of its select list"),
        ("SELECT id, count(*) AS n FROM silver.stock GROUP BY ROLLUP (id)", "it groups by ROLLUP (id), not by a column of its table"),
        ("SELECT id, count(*) AS n FROM silver.stock GROUP BY id ORDER BY n", "it has ORDER BY"),
        ("SELECT id, count(*) AS n, rank() OVER (ORDER BY count(*)) AS r FROM silver.stock GROUP BY id", "it has a window"),
        ("SELECT count(*) AS n, max(current_date()) AS d FROM silver.stock", "it calls the clock or a random function"),
        ("SELECT count(*) AS n FROM silver.stock WHERE _file_date < current_date()", "it calls the clock or a random function"),
        ("SELECT _rows, count(*) AS n FROM silver.stock GROUP BY _rows", "a grouping column is named like a partial column (_m0, _n0, _rows)"),
        ("SELECT s.id, count(*) AS n FROM silver.stock AS s JOIN silver.items AS i ON s.id = i.id GROUP BY s.id", "it has a join"),
        ("SELECT kind, count(*) AS n FROM silver.items GROUP BY kind", "silver.items is not refreshed from new rows"),
        ("SELECT count(*) AS n, id FROM silver.stock", "it reads id outside an aggregate and its GROUP BY"),
    ],
)  # fmt: skip
def test_an_aggregate_that_cannot_fold_says_why(sql: str, why: str) -> None:
    assert mart_input(_mart(sql), [_source()]) == why


def test_a_cdc_state_without_its_deleted_keys_is_recomputed(tmp_path: Path) -> None:
    """A CDC source with deletes whose state names no deleted keys (none was written so) is
    not applied alone: nothing is read (no Spark needed) and the run says why."""
    from pipelines.local import increments

    cdc = {"keys": ["id"], "sequence_by": "qty", "delete_when": "qty < 0"}
    source = _source(silver={"cdc": cdc})
    state = increments._State("print", "2026-01-01 00:00:00", [1, "a"], [1, "b"])
    found = increments._pending(None, source, None, state, tmp_path.as_uri())  # type: ignore[arg-type]
    assert found == "its deleted keys were not kept"


# Grouped parts: silver read only through WITH clauses that aggregate one table each
# (``pipelines.config.sqlparts.composed_query``, ``pipelines.local.marts.mart_input``).


def test_the_hotel_daily_report_is_split_into_its_grouped_parts() -> None:
    """Its two parts (rooms through the row-wise stays, extras straight from the folios) and
    the rest of the query over their rows, which reads no silver table any more."""
    model = yaml.safe_load(Path("src/conf/gold/hotel_daily_report.yml").read_text())
    sources = [_source(name="hotel_reservations"), _source(name="hotel_folios")]
    found = mart_input(_mart(model["sql"]), sources)
    assert not isinstance(found, str)
    read, query = found
    assert isinstance(query, Composed)
    assert read == (sources[1], sources[0])  # in the order of query.tables
    assert query.tables == ("silver.hotel_folios", "silver.hotel_reservations")
    rooms, extras = query.parts
    assert (rooms.name, rooms.table, extras.name, extras.table) == (
        "rooms", "silver.hotel_reservations", "extras", "silver.hotel_folios",
    )  # fmt: skip
    assert rooms.columns == {"check_in_date", "check_out_date", "avg_price_per_room", "nights", "is_canceled"}  # fmt: skip
    assert rooms.rows_sql("_in") == (
        "SELECT EXPLODE(SEQUENCE(check_in_date, DATE_ADD(check_out_date, 1 * -1))) AS report_date, "
        "avg_price_per_room FROM _in AS hotel_reservations WHERE NOT is_canceled AND nights > 0 "
        "/* day-use bookings (0 nights) occupy no night */"
    )
    assert rooms.plan.partials_sql("_rows_in") == (
        "SELECT `report_date`, COUNT(*) AS _m0, SUM(avg_price_per_room) AS _m1, "
        "COUNT(avg_price_per_room) AS _n1, COUNT(*) AS _rows FROM _rows_in AS stays GROUP BY `report_date`"
    )
    assert extras.rows_sql("_in") is None
    assert extras.columns == {"charge_date", "charge_type", "amount"}
    outer = query.outer_sql({"rooms": "_rooms", "extras": "_extras"})
    assert outer.startswith(
        "WITH property AS (SELECT 320 AS rooms_available /* declared capacity of the property "
        "(rooms) */), rooms AS (SELECT * FROM _rooms), extras AS (SELECT * FROM _extras), bounds AS "
    )
    assert "silver." not in outer
    assert "stays" not in outer


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("WITH a AS (SELECT id, count(*) AS n FROM silver.stock GROUP BY id) SELECT a.id, n, qty FROM a JOIN silver.stock USING (id)", "it reads silver.stock outside a grouped part"),
        ("WITH a AS (SELECT s.id, count(*) AS n FROM silver.stock s JOIN silver.items i ON s.id = i.id GROUP BY s.id) SELECT * FROM a", "its clause a: it reads silver and another table"),
        ("WITH r AS (SELECT id, qty FROM silver.stock WHERE qty > 0), a AS (SELECT id, sum(qty) AS q FROM r GROUP BY id) SELECT a.id, q, (SELECT count(*) FROM r) AS c FROM a", "it reads r outside a grouped part"),
        ("WITH a AS (SELECT id, count(DISTINCT qty) AS n FROM silver.stock GROUP BY id) SELECT * FROM a", "its clause a: it has COUNT(DISTINCT ...), which cannot be updated from changed rows"),
        ("WITH a AS (SELECT id, rank() OVER (ORDER BY qty) AS r FROM silver.stock) SELECT * FROM a", "its clause a: it has a window"),
        ("WITH a AS (SELECT 1 AS one) SELECT one, count(*) AS n FROM silver.stock, a GROUP BY one", "none of its WITH clauses aggregates a silver table"),
        ("WITH a AS (SELECT id, count(*) AS n FROM silver.stock GROUP BY id) SELECT * FROM a WHERE n < datediff(current_date(), DATE'2020-01-01')", "it calls the clock or a random function"),
        ("WITH a AS (WITH b AS (SELECT id FROM silver.stock) SELECT id, count(*) AS n FROM b GROUP BY id) SELECT * FROM a", "it has a WITH clause inside another"),
    ],
)  # fmt: skip
def test_grouped_parts_that_cannot_fold_say_why(sql: str, why: str) -> None:
    assert mart_input(_mart(sql), [_source()]) == why
