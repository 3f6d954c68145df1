"""One real graph run over several formats: drift rescued and evolved, re-delivery, backfill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from pipelines.local.summary import reconciliation
from pipelines.sources.drift import SchemaDriftError
from tests.files.conf import file_conf
from tests.files.samples import write, write_json_lines, write_xlsx
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]


def _rows(spark: SparkSession, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(query).collect()]


def test_formats_drift_redelivery_and_backfill(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    """Slow (two runs, about 50 s): the second run is checked on the tables the first left (a
    drifted day, a re-delivered day, a late file for an old date), so both share one test."""
    config = load_config(file_conf(tmp_path))
    landing = tmp_path / "landing"
    write(landing / "orders" / "orders_20240102.csv", "id;customer;day\r\n1;Zoë;02/01/2024\r\n2;Al;31/02/2024\r\n", "latin-1")  # fmt: skip
    write(landing / "orders" / "orders_20240103.csv", "customer;id\r\nBo;3\r\nCy;\r\n", "latin-1")
    write(landing / "events" / "a.json.gz", '{"id": 1, "kind": "view", "device": "ios"}\n{"id": 2}')
    write_xlsx(landing / "budgets" / "b.xlsx", [["Team", "Amount"], ["core", 10.5], ["web", "n/a"]])
    write(landing / "people" / "p1.csv", "id,name,email\n1,Ann,ann@x.org\n")

    first = run(spark, config, landing, lakehouse_home, full_refresh=True)

    assert _rows(spark, "SELECT id, customer, day FROM silver.orders ORDER BY id") == [
        (1, "Zoë", __import__("datetime").date(2024, 1, 2)), (3, "Bo", None),
    ]  # fmt: skip
    assert _rows(spark, "SELECT _reasons, id, customer FROM quarantine.orders ORDER BY 2") == [
        (["not_null:id"], None, "Cy"), (["cast:day"], "2", "Al"),
    ]  # fmt: skip
    assert _rows(spark, "SELECT id, kind, _rescued_data FROM silver.events ORDER BY id") == [
        (1, "view", '{"device":"ios"}'), (2, None, None),
    ]  # fmt: skip
    assert _rows(spark, "SELECT team, amount FROM silver.budgets") == [("core", 10.5)]
    assert _rows(spark, "SELECT _reasons, amount FROM quarantine.budgets") == [(["cast:amount"], "n/a")]  # fmt: skip
    assert _rows(spark, "SELECT id, name, email FROM silver.people") == [(1, "Ann", "ann@x.org")]
    changes = "SELECT dataset, column_name, change, old_type, new_type, policy FROM ops.schema_changes WHERE run_id = '{}' ORDER BY 1, 2, 3"  # fmt: skip
    assert _rows(spark, changes.format(first.run_id)) == [
        ("bronze.events", "device", "added", None, "string", "rescue"),
        ("bronze.orders", "day", "missing", "date", None, "rescue"),
        ("bronze.people", "email", "added", None, "string", "evolve"),
    ]

    # Re-delivered day (same rows, a newer file), a late file for an old day, a new column.
    write(landing / "orders" / "orders_20240102_resent.csv", "id;customer;day\r\n1;Zoë;02/01/2024\r\n2;Al;31/02/2024\r\n", "latin-1")  # fmt: skip
    write(landing / "orders" / "orders_20231230.csv", "id;customer;day\r\n9;Late;30/12/2023", "latin-1")  # fmt: skip
    write(landing / "people" / "p2.csv", "id,phone,name\n2,555,Bob\n")
    # A quoted value spanning lines in a CSV read without multiline: Spark splits the record
    # in two (both quarantined); the quote-aware count of records shows the difference.
    write(landing / "orders" / "orders_20240104.csv", 'id;customer;day\r\n4;"Dee\r\nDee";04/01/2024\r\n', "latin-1")  # fmt: skip
    # The same event again, written differently: no dedupe key, so its typed values decide.
    write(landing / "events" / "c.json", '{"id": " 1", "kind": " view ", "device": "ios"}\n')
    second = run(spark, config, landing, lakehouse_home)

    assert _rows(spark, "SELECT id, _file_date FROM silver.orders ORDER BY id") == [
        (1, __import__("datetime").date(2024, 1, 2)), (3, __import__("datetime").date(2024, 1, 3)),
        (9, __import__("datetime").date(2023, 12, 30)),
    ]  # fmt: skip
    assert _rows(spark, "SELECT count(*) FROM quarantine.orders") == [(4,)]
    reconciled = f"SELECT rows_read, rows_bronze, balanced FROM ops.reconciliation WHERE run_id = '{second.run_id}' AND dataset = 'orders'"  # fmt: skip
    assert _rows(spark, reconciled) == [(8, 9, False)]
    assert _rows(spark, "SELECT id, name, email, phone FROM silver.people ORDER BY id") == [
        (1, "Ann", "ann@x.org", None), (2, "Bob", None, "555"),
    ]  # fmt: skip
    assert _rows(spark, "SELECT id, kind, _source_file LIKE '%c.json' FROM silver.events ORDER BY id") == [
        (1, "view", True), (2, None, False),
    ]  # fmt: skip
    assert reconciliation(config, second.row_counts)[1] == (
        "events: 3 bronze rows -> 2 silver + 0 quarantined + 1 identical rows collapsed (no dedupe key)"
    )
    assert _rows(spark, changes.format(second.run_id)) == [
        ("bronze.events", "device", "added", None, "string", "rescue"),  # c.json
        ("bronze.people", "email", "missing", "string", None, "evolve"),
        ("bronze.people", "phone", "added", None, "int", "evolve"),
    ]
    # each file's header was read once and kept for the next run (pipelines.sources.file_shapes)
    record = lakehouse_home / "pipeline_storage" / "_file_shapes" / "orders.json"
    kept = json.loads(record.read_text(encoding="utf-8"))["files"]
    assert {Path(path).name: entry[2] for path, entry in kept.items()} == {
        "orders_20231230.csv": ["id", "customer", "day"],
        "orders_20240102.csv": ["id", "customer", "day"],
        "orders_20240102_resent.csv": ["id", "customer", "day"],
        "orders_20240103.csv": ["customer", "id"],
        "orders_20240104.csv": ["id", "customer", "day"],
    }


def test_fail_policy_stops_before_anything_is_written(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    conf = file_conf(tmp_path, "events")
    path = conf / "sources" / "events.yml"
    path.write_text(path.read_text().replace("format: json}", "format: json, schema_drift: fail}"))
    landing = tmp_path / "landing"
    write_json_lines(landing / "events" / "b.json", [{"id": "x1", "kind": "view"}])
    with pytest.raises(SchemaDriftError) as caught:
        run(spark, load_config(conf), landing, lakehouse_home, full_refresh=True)
    assert caught.value.failed == {
        "bronze.events": f"schema drift (policy fail): file {landing}/events/b.json: "
        "column 'id' changed type int -> string"
    }
