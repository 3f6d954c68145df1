"""An aggregate mart refreshed by folding silver's changes into its kept partials
(``pipelines.local.mart_groups``), on Delta tables made here: what the graph runs of
``test_incremental_silver.py`` do not reach (a group whose rows all go, a sum whose every
input goes, a floating-point sum), each mart compared with its query over silver."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.sqlagg import Grouped, grouped_query
from pipelines.local import mart_groups
from pipelines.local.increments import Applied, keep_only, last_commit
from pipelines.local.mart_groups import Folded, fold_groups

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

SILVER, MART = "silver.fold_items", "gold.fold_items_by_group"
SQL = (
    "SELECT grp, count(*) AS n, sum(qty) AS qty, sum(price) AS total, "
    f"count_if(qty > 1) AS big FROM {SILVER} WHERE id > 0 GROUP BY grp"
)
COLUMNS = "id INT, grp STRING, qty INT, price DECIMAL(10,2), weight DOUBLE"


def _plan(sql: str) -> Grouped:
    plan = grouped_query(sql)
    assert isinstance(plan, Grouped)
    return plan


def _rows(spark: SparkSession, sql: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in spark.sql(sql).collect())


def _change(spark: SparkSession, delete: str, insert: str) -> tuple[list[object], DataFrame, DataFrame]:  # fmt: skip
    """Silver's rows of ids ``delete`` replaced by ``insert`` (as an increment does: a delete,
    then an append); returns the commit before, and the rows added and removed."""
    before = last_commit(spark, SILVER)
    removed = spark.sql(f"SELECT * FROM {SILVER} VERSION AS OF {before[0]} WHERE id IN ({delete})")  # fmt: skip
    spark.sql(f"DELETE FROM {SILVER} WHERE id IN ({delete})")
    added = spark.sql(f"SELECT * FROM VALUES {insert} AS t(id, grp, qty, price, weight)")
    spark.sql(f"INSERT INTO {SILVER} SELECT * FROM VALUES {insert}")
    return before, added, removed


def _applied(before: list[object], added: DataFrame | None, removed: DataFrame | None) -> Applied:
    return Applied("fold_items", 0, 0, silver_before=before, appended=added, removed=removed)


def test_groups_take_silvers_changes_and_lose_what_it_lost(spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    spark.sql("CREATE DATABASE IF NOT EXISTS silver")
    spark.sql("CREATE DATABASE IF NOT EXISTS gold")
    for table in (SILVER, MART):
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    spark.sql(f"CREATE TABLE {SILVER} ({COLUMNS}) USING delta")
    spark.sql(
        f"INSERT INTO {SILVER} VALUES (1, 'a', 1, 1.50, 0.1), (2, 'b', 5, 2.00, 0.2), "
        "(3, 'c', 3, 3.00, 0.3), (5, 'a', NULL, 0.25, 0.4), (-1, 'a', 9, 9.00, 0.5)"
    )
    spark.sql(f"CREATE TABLE {MART} USING delta AS {SQL}")
    plan = _plan(SQL)

    # c's one row goes (its group with it); b's one row is replaced by one without a qty (its
    # sum is null again, not 0); d is new. No partials kept yet: made from silver as it was.
    before, added, removed = _change(
        spark, "2, 3", "(2, 'b', CAST(NULL AS INT), CAST(2.10 AS DECIMAL(10,2)), 0.2), "
        "(4, 'd', 7, CAST(4.00 AS DECIMAL(10,2)), 0.4)",
    )  # fmt: skip
    done = fold_groups(spark, plan, MART, _applied(before, added, removed), tmp_path, None)
    assert isinstance(done, Folded)
    assert (done.added, done.removed, done.commit) == (2, 2, last_commit(spark, MART))
    assert done.partials is not None
    # Two sets of partials: silver's before (none was kept), and the folded ones, kept.
    assert len(list(tmp_path.iterdir())) == 2
    keep_only(tmp_path, done.partials)
    assert [p.name for p in tmp_path.iterdir()] == [done.partials]
    assert (
        _rows(spark, f"SELECT * FROM {MART}")
        == _rows(spark, SQL)
        == [
            ("a", 2, 1, Decimal("1.75"), 0),  # the row of id -1 is not the mart's (WHERE id > 0)
            ("b", 1, None, Decimal("2.10"), 0),
            ("d", 1, 7, Decimal("4.00"), 1),
        ]
    )
    types = [(f.name, f.dataType) for f in spark.read.table(MART).schema]
    assert types == [(f.name, f.dataType) for f in spark.sql(SQL).schema]

    # From the partials kept: a's rows change, b's only row goes. (Changes too many to take
    # to the driver, as if: kept in Spark and counted there.)
    monkeypatch.setattr(mart_groups, "_COLLECTED", 1)
    before, added, removed = _change(spark, "1, 2", "(1, 'a', 4, CAST(1.00 AS DECIMAL(10,2)), 0.1)")  # fmt: skip
    again = fold_groups(
        spark, plan, MART, _applied(before, added, removed), tmp_path, done.partials
    )
    assert isinstance(again, Folded)
    assert (again.added, again.removed) == (1, 2)
    assert _rows(spark, f"SELECT * FROM {MART}") == _rows(spark, SQL) == [
        ("a", 2, 4, Decimal("1.25"), 1), ("d", 1, 7, Decimal("4.00"), 1),
    ]  # fmt: skip

    # Silver unchanged: nothing read, nothing written.
    same = fold_groups(spark, plan, MART, _applied(last_commit(spark, SILVER), None, None), tmp_path, again.partials)  # fmt: skip
    assert same == Folded(0, 0, again.partials, again.commit)

    # A floating-point sum is not folded: the mart is left to the engine, as it was.
    weights = f"SELECT grp, sum(weight) AS w FROM {SILVER} GROUP BY grp"
    before, added, removed = _change(spark, "4", "(4, 'd', 8, CAST(4.00 AS DECIMAL(10,2)), 0.4)")
    floats = _applied(before, added, removed)
    refused = fold_groups(spark, _plan(weights), MART, floats, tmp_path, None)
    assert refused == "it sums double values, which rounding makes depend on their order"
    assert last_commit(spark, MART) == again.commit
    for table in (SILVER, MART):
        spark.sql(f"DROP TABLE {table}")


EXTREMES = f"SELECT grp, min(qty) AS low, max(price) AS high, avg(qty) AS mean FROM {SILVER} GROUP BY grp"  # fmt: skip


def test_extremes_take_rows_added_and_an_average_of_integers_is_exact(spark: SparkSession, tmp_path: Path) -> None:  # fmt: skip
    """min and max fold rows added, and are left to the engine when silver lost a row; avg of
    integers is their sum as a double over their count, as Spark's; of decimals, refused."""
    spark.sql("CREATE DATABASE IF NOT EXISTS silver")
    spark.sql("CREATE DATABASE IF NOT EXISTS gold")
    for table in (SILVER, MART):
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    spark.sql(f"CREATE TABLE {SILVER} ({COLUMNS}) USING delta")
    spark.sql(f"INSERT INTO {SILVER} VALUES (1, 'a', 1, 1.50, 0.1), (2, 'a', 2, 2.00, 0.2), (3, 'b', NULL, 3.00, 0.3)")  # fmt: skip
    spark.sql(f"CREATE TABLE {MART} USING delta AS {EXTREMES}")
    plan = _plan(EXTREMES)

    before = last_commit(spark, SILVER)
    rows = "(4, 'a', 0, 9.25, 0.4), (5, 'b', 7, 0.10, 0.5), (6, 'c', NULL, NULL, 0.6)"
    spark.sql(f"INSERT INTO {SILVER} VALUES {rows}")
    added = spark.sql(f"SELECT * FROM {SILVER} WHERE id >= 4")  # (the rows just appended)
    done = fold_groups(spark, plan, MART, _applied(before, added, None), tmp_path, None)
    assert isinstance(done, Folded)
    assert (done.added, done.removed) == (3, 0)
    assert _rows(spark, f"SELECT * FROM {MART}") == _rows(spark, EXTREMES) == [
        ("a", 0, Decimal("9.25"), 1.0), ("b", 7, Decimal("3.00"), 7.0), ("c", None, None, None),
    ]  # fmt: skip

    # Silver lost a row: the minimum may have gone with it. Left to the engine.
    before, added, removed = _change(spark, "4", "(4, 'a', 5, CAST(1.00 AS DECIMAL(10,2)), 0.4)")
    lost = fold_groups(spark, plan, MART, _applied(before, added, removed), tmp_path, done.partials)
    assert lost == "it has MIN() or MAX(), and silver lost rows, one of which may have been it"
    average = f"SELECT grp, avg(price) AS mean FROM {SILVER} GROUP BY grp"
    decimals = fold_groups(
        spark, _plan(average), MART, _applied(before, added, None), tmp_path, None
    )
    assert decimals == "it averages decimal values, which Spark rounds its own way"
    assert last_commit(spark, MART) == done.commit
    for table in (SILVER, MART):
        spark.sql(f"DROP TABLE {table}")


EXTRAS = "silver.fold_extras"
PARTS = f"""WITH nights AS (SELECT explode(sequence(1, qty)) AS night, grp, price FROM {SILVER} WHERE id > 0),
  a AS (SELECT grp, count(*) AS nights, sum(price) AS revenue FROM nights GROUP BY grp),
  b AS (SELECT grp, sum(amount) AS amount FROM {EXTRAS} GROUP BY grp),
  all_groups AS (SELECT grp FROM a UNION SELECT grp FROM b)
SELECT g.grp, coalesce(a.nights, 0) AS nights, a.revenue, b.amount
FROM all_groups g LEFT JOIN a ON a.grp = g.grp LEFT JOIN b ON b.grp = g.grp"""


def _replaced(spark: SparkSession, table: str, delete: str, insert: str, inserted: str) -> Applied:
    """``table``'s rows of ids ``delete`` replaced by ``insert`` (ids ``inserted``), as an
    increment of it."""
    before = last_commit(spark, table)
    removed = spark.sql(f"SELECT * FROM {table} VERSION AS OF {before[0]} WHERE id IN ({delete})")
    spark.sql(f"DELETE FROM {table} WHERE id IN ({delete})")
    spark.sql(f"INSERT INTO {table} VALUES {insert}")
    added = spark.sql(f"SELECT * FROM {table} VERSION AS OF {last_commit(spark, table)[0]} WHERE id IN ({inserted})")  # fmt: skip
    return Applied(table, 0, 0, silver_before=before, appended=added, removed=removed)


def test_grouped_parts_fold_each_tables_changes_and_keep_the_others(spark: SparkSession, tmp_path: Path) -> None:  # fmt: skip
    """A query over two grouped parts (one through a row-wise clause that explodes each row),
    refreshed from one table's changes, then the other's; a part summing doubles is refused."""
    from pipelines.config.sqlparts import Composed, composed_query
    from pipelines.local.mart_parts import PartsFolded, fold_parts

    spark.sql("CREATE DATABASE IF NOT EXISTS silver")
    spark.sql("CREATE DATABASE IF NOT EXISTS gold")
    for table in (SILVER, EXTRAS, MART):
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    spark.sql(f"CREATE TABLE {SILVER} ({COLUMNS}) USING delta")
    spark.sql(f"INSERT INTO {SILVER} VALUES (1, 'a', 2, 1.50, 0.1), (2, 'b', 1, 2.00, 0.2), (3, 'a', NULL, 3.00, 0.3), (-1, 'a', 5, 9.00, 0.5)")  # fmt: skip
    spark.sql(f"CREATE TABLE {EXTRAS} (id INT, grp STRING, amount DECIMAL(10,2), w DOUBLE) USING delta")  # fmt: skip
    spark.sql(f"INSERT INTO {EXTRAS} VALUES (1, 'a', 1.00, 0.1), (2, 'c', 2.50, 0.2)")
    spark.sql(f"CREATE TABLE {MART} USING delta AS {PARTS}")
    query = composed_query(PARTS)
    assert isinstance(query, Composed)
    assert _rows(spark, f"SELECT * FROM {MART}") == [
        ("a", 2, Decimal("3.00"), Decimal("1.00")), ("b", 1, Decimal("2.00"), None),
        ("c", 0, None, Decimal("2.50")),
    ]  # fmt: skip
    versions = {SILVER: int(last_commit(spark, SILVER)[0]), EXTRAS: int(last_commit(spark, EXTRAS)[0])}  # fmt: skip

    # Items change (id 2's one night becomes three, id 4 is new); the extras are as they were.
    # No partials kept yet: each part's made from its table as the versions name it.
    items = _replaced(spark, SILVER, "2", "(2, 'b', 3, 1.00, 0.2), (4, 'c', 1, 4.00, 0.4)", "2, 4")
    done = fold_parts(spark, query, MART, {SILVER: items}, versions, tmp_path, {})
    assert isinstance(done, PartsFolded)
    assert (done.added, done.removed, sorted(done.partials)) == (4, 1, ["a", "b"])  # nights
    assert done.commit == last_commit(spark, MART)
    expected = [
        ("a", 2, Decimal("3.00"), Decimal("1.00")), ("b", 3, Decimal("3.00"), None),
        ("c", 1, Decimal("4.00"), Decimal("2.50")),
    ]  # fmt: skip
    assert _rows(spark, f"SELECT * FROM {MART}") == _rows(spark, PARTS) == expected
    types = [(f.name, f.dataType) for f in spark.read.table(MART).schema]
    assert types == [(f.name, f.dataType) for f in spark.sql(PARTS).schema]
    # a's partials before the fold, a's after, b's: three folders; the state keeps two.
    assert len(list(tmp_path.iterdir())) == 3

    # Then the extras change (c's goes, b gains one), from the partials kept.
    extras = _replaced(spark, EXTRAS, "2", "(3, 'b', 0.75, 0.3)", "3")
    again = fold_parts(spark, query, MART, {EXTRAS: extras}, versions, tmp_path, done.partials)
    assert isinstance(again, PartsFolded)
    assert (again.added, again.removed) == (1, 1)
    assert again.partials["a"] == done.partials["a"] != again.partials["b"]
    assert _rows(spark, f"SELECT * FROM {MART}") == _rows(spark, PARTS) == [
        ("a", 2, Decimal("3.00"), Decimal("1.00")), ("b", 3, Decimal("3.00"), Decimal("0.75")),
        ("c", 1, Decimal("4.00"), None),
    ]  # fmt: skip

    # A part summing doubles is not folded: the mart is left to the engine, as it was.
    doubles = composed_query(PARTS.replace("sum(amount)", "sum(w)"))
    assert isinstance(doubles, Composed)
    more = _replaced(spark, EXTRAS, "3", "(3, 'b', 0.50, 0.4)", "3")
    refused = fold_parts(spark, doubles, MART, {EXTRAS: more}, versions, tmp_path, again.partials)
    assert refused == "its clause b: it sums double values, which rounding makes depend on their order"  # fmt: skip
    assert last_commit(spark, MART) == again.commit
    for table in (SILVER, EXTRAS, MART):
        spark.sql(f"DROP TABLE {table}")
