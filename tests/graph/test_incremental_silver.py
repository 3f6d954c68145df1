"""Silver and quarantine refreshed from the new bronze rows only (``pipelines.local.increments``),
and the gold marts over them from silver's new rows (``pipelines.local.marts``), or, for an
aggregate, from silver's changes folded into its groups (``pipelines.local.mart_groups``).

Each run is compared with what the engine's full recompute gives on the same bronze (and each
mart with its query over silver): the increment must leave exactly the same rows, lineage
included. What cannot be applied as an increment (a re-delivered day, a changed table, a
failing increment, a mart reading a replaced row) is recomputed, and says so.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter, defaultdict
from datetime import date
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from pipelines.config.sqlast import replace_table
from pipelines.layers.silver import quarantine_rows, silver_rows
from pipelines.local import increments, marts
from pipelines.ops.counts import source_aggregates, tally
from tests.files.conf import file_conf
from tests.files.samples import write
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.loader import LakehouseConfig
    from pipelines.config.model import SourceConfig

pytestmark = [pytest.mark.graph, pytest.mark.spark]

STOCK = r"""
name: stock
description: Stock levels, one CSV per day; a day delivered again replaces that day.
owner: data_engineers
source:
  type: files
  path: stock/*.csv
  file_date: {regex: '_(\d{8})', format: yyyyMMdd}
columns:
  - {name: id, type: int, nullable: false}
  - {name: qty, type: int}
quality:
  - {name: qty_not_negative, expr: "qty >= 0"}
silver:
  replace_by_file_date: true
  dedupe: {key: [id], keep: latest}
"""
READINGS = """
name: readings
description: Sensor readings; the same reading delivered twice is one record, the first kept.
owner: data_engineers
source: {type: files, path: readings/*.csv}
columns:
  - {name: sensor, type: string, nullable: false}
  - {name: value, type: int}
silver:
  dedupe: {keep: earliest}
"""


EVENTS = """
name: events
description: Events as JSON lines; every valid row is kept, repeats included.
owner: data_engineers
source: {type: files, path: events, format: json}
columns:
  - {name: id, type: int, nullable: false}
  - {name: kind, type: string}
silver:
  dedupe: null
"""


# Marts over them: row-wise over each kind of silver, and one reading lineage.
MARTS = {
    "inc_stock_positive": "SELECT id, qty FROM silver.stock WHERE qty > 0",
    "inc_readings_tenfold": "SELECT sensor, value * 10 AS tenfold FROM silver.readings",
    "inc_readings_files": "SELECT r.sensor, r._source_file FROM silver.readings AS r",
    "inc_events_upper": "SELECT id, upper(kind) AS kind FROM silver.events WHERE id > 0",
    # and aggregates, whose groups take silver's changes: rows replaced by key (stock), rows
    # replaced by an equal row (readings), rows only added (events)
    "inc_stock_totals": "SELECT count(*) AS ids, sum(qty) AS qty, count_if(qty > 20) AS over_20 FROM silver.stock",
    "inc_readings_by_sensor": "SELECT r.sensor, count(*) AS n, sum(value) AS total FROM silver.readings AS r WHERE value > 1 GROUP BY 1 HAVING count(*) > 0",
    "inc_events_by_kind": "SELECT kind, count(*) AS n, sum(id) FILTER (WHERE id > 1) AS ids, max(id) AS top, avg(id) AS mean FROM silver.events GROUP BY kind",
    # and a query over grouped parts of two tables, one through a row-wise clause
    "inc_stock_and_events": "WITH s AS (SELECT count(*) AS ids, sum(qty) AS qty FROM silver.stock), kinds AS (SELECT upper(kind) AS kind, id FROM silver.events WHERE id > 0), e AS (SELECT kind, count(*) AS n, sum(id) AS ids FROM kinds GROUP BY kind) SELECT e.kind, e.n, e.ids, s.ids AS stock_ids, s.qty FROM e CROSS JOIN s",
}


def _config(root: Path) -> LakehouseConfig:
    conf = file_conf(root, "events")
    (conf / "sources" / "events.yml").write_text(EVENTS.lstrip())  # its own: no dedupe
    (conf / "sources" / "stock.yml").write_text(STOCK.lstrip())
    (conf / "sources" / "readings.yml").write_text(READINGS.lstrip())
    (conf / "gold").mkdir()
    for name, sql in MARTS.items():
        (conf / "gold" / f"{name}.yml").write_text(
            f"name: {name}\ndescription: A mart.\nowner: data_engineers\nsql: {sql}\n"
        )
    return load_config(conf)


def _deliver(path: Path, text: str, *, seconds: float | None = None) -> None:
    """A file newer than every file before it (the delivery order goes by modification time),
    or written ``seconds`` after the epoch."""
    write(path, text)
    stamp = time.time() + len(list(path.parent.iterdir())) if seconds is None else seconds
    os.utime(path, (stamp, stamp))


def _same_as_recompute(spark: SparkSession, config: LakehouseConfig) -> None:
    """Every silver and quarantine table equals the engine's recompute from bronze, and every
    mart its query over silver: as multisets (duplicates counted), lineage included."""
    pairs = {}
    for source in config.sources:
        bronze = spark.read.table(f"bronze.{source.name}")
        pairs[f"silver.{source.name}"] = silver_rows(bronze, source)
        pairs[f"quarantine.{source.name}"] = quarantine_rows(bronze, source)
    for model in config.gold:
        pairs[f"gold.{model.name}"] = spark.sql(model.sql or "")
    from pyspark.sql import functions as F

    # Every row of both sides as JSON, in one job: ten tables compared after each of nine
    # runs, each comparison a query of its own, took a minute of the test.
    frames = [
        frame.select(F.lit(table), F.lit(side), F.to_json(F.struct("*")))
        for table, expected in pairs.items()
        for side, frame in (("stored", spark.read.table(table)), ("expected", expected))
    ]  # fmt: skip
    found: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for table, side, row in reduce(lambda a, b: a.union(b), frames).collect():
        found[table, side][row] += 1
    differing = [t for t in pairs if found[t, "stored"] != found[t, "expected"]]
    assert differing == []


def _rows(spark: SparkSession, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql(query).collect()]


def _marts(said: list[str]) -> list[str]:
    """What a run said of the marts, times and column padding left out."""
    lines = [re.sub(r"(?<=\S) {2,}", " ", line) for line in said if " gold." in line]
    return [re.sub(r"\b\d+\.\ds\b", "<s>", line) for line in lines]


def _lines(said: list[str], table: str) -> list[str]:
    said = [line for line in said if line.split()[1:2] == [table]]  # the line of that table
    return [re.sub(r"\s+\d+\.\ds ", " <s> ", line) for line in said]


def test_new_days_are_merged_a_redelivered_day_is_recomputed(spark: SparkSession, tmp_path: Path, lakehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Slow (nine runs, 120-160 s): each run works on the tables the one before left."""
    config = _config(tmp_path)
    landing = tmp_path / "landing"
    _deliver(landing / "stock" / "stock_20260101.csv", "id,qty\n1,10\n2,20\n3,-1\n")
    _deliver(landing / "stock" / "stock_20260102.csv", "id,qty\n1,11\n4,40\n")
    _deliver(landing / "readings" / "r1.csv", "sensor,value\na,1\nb,2\na,1\n")
    _deliver(landing / "events" / "e1.json", '{"id": 1, "kind": "view"}\n')
    stock = "SELECT id, qty, _file_date FROM silver.stock ORDER BY id"

    said: list[str] = []
    loaded = run(spark, config, landing, lakehouse_home, full_refresh=True, echo=said.append)
    assert _rows(spark, "SELECT id, qty FROM silver.stock ORDER BY id") == [(1, 11), (2, 20), (4, 40)]  # fmt: skip
    assert not [line for line in said if "incremental" in line]
    _same_as_recompute(spark, config)
    increments_kept = lakehouse_home / "pipeline_storage" / "increments"
    # The state names the run that ingested bronze's newest rows: the next increment skips
    # that run's files (``pipelines.local.new_rows``).
    assert json.loads((increments_kept / "stock.json").read_text())["through_run"] == loaded.run_id
    # An aggregate's partials are made as the engine recomputed it, for the next run to fold.
    totals = json.loads((increments_kept / "gold.inc_stock_totals.json").read_text())
    assert [p.name for p in (increments_kept / "gold.inc_stock_totals").iterdir()] == [totals["partials"]]  # fmt: skip
    # A query over grouped parts: each part's, and the commit of each table it reflects.
    parts = json.loads((increments_kept / "gold.inc_stock_and_events.json").read_text())
    assert (sorted(parts["parts"]), sorted(parts["tables"]), parts["silver"]) == (["e", "s"], ["silver.events", "silver.stock"], [])  # fmt: skip
    assert sorted(p.name for p in (increments_kept / "gold.inc_stock_and_events").iterdir()) == sorted(parts["parts"].values())  # fmt: skip

    # A new day and new readings: applied from the new rows alone.
    _deliver(landing / "stock" / "stock_20260103.csv", "id,qty\n2,21\n5,50\n6,-6\n")
    _deliver(landing / "readings" / "r2.csv", "sensor,value\na,1\nc,3\n")
    _deliver(
        landing / "events" / "e2.json", '{"id": 1, "kind": "view"}\n{"id": 2, "kind": "buy"}\n'
    )
    said.clear()
    result = run(spark, config, landing, lakehouse_home, echo=said.append)
    assert _lines(said, "silver.stock") == [
        "  ok silver.stock                                         completed <s>  incremental: 3 new bronze rows"
    ]
    assert json.loads((increments_kept / "stock.json").read_text())["through_run"] == result.run_id
    assert _lines(said, "quarantine.readings") == [
        "  ok quarantine.readings                                  completed <s>  incremental: 2 new bronze rows"
    ]
    assert _lines(said, "silver.events") == [  # no dedupe: every valid row is kept
        "  ok silver.events                                        completed <s>  incremental: 2 new bronze rows"
    ]
    assert _rows(spark, "SELECT id, kind FROM silver.events ORDER BY 1, 2") == [(1, "view"), (1, "view"), (2, "buy")]  # fmt: skip
    assert _rows(spark, "SELECT id, qty FROM silver.stock ORDER BY id") == [(1, 11), (2, 21), (4, 40), (5, 50)]  # fmt: skip
    assert _rows(spark, "SELECT id, qty FROM quarantine.stock ORDER BY id") == [("3", "-1"), ("6", "-6")]  # fmt: skip
    # id 2's old row deleted by key with a deletion vector (no file rewritten), then appended
    history = spark.sql("DESCRIBE HISTORY silver.stock LIMIT 2").collect()
    assert [h["operation"] for h in history] == ["WRITE", "DELETE"]
    deleted = history[1]["operationMetrics"]
    assert (deleted["numDeletedRows"], deleted["numDeletionVectorsAdded"], deleted["numRemovedFiles"]) == ("1", "1", "0")  # fmt: skip
    assert "delta.enableDeletionVectors" not in {r[0] for r in spark.sql("SHOW TBLPROPERTIES ops.flow_metrics").collect()}  # fmt: skip
    # the reading delivered again keeps its first delivery's lineage
    assert _rows(spark, "SELECT sensor, value, _source_file LIKE '%r1.csv' FROM silver.readings ORDER BY 1") == [("a", 1, True), ("b", 2, True), ("c", 3, False)]  # fmt: skip
    assert _marts(said) == [
        "   ~ gold.inc_stock_positive: recomputed (the increment replaced 1 rows of silver.stock)",
        "  ok gold.inc_events_by_kind completed <s> incremental: 2 new and 0 removed rows of silver.events folded into its groups",
        "  ok gold.inc_events_upper completed <s> incremental: 2 new rows from silver.events",
        # (c, 3) is new; (a, 1) came again, and a reading delivered twice keeps its first
        "  ok gold.inc_readings_by_sensor completed <s> incremental: 1 new and 0 removed rows of silver.readings folded into its groups",
        "  ok gold.inc_readings_files completed <s> incremental: 1 new rows from silver.readings",
        "  ok gold.inc_readings_tenfold completed <s> incremental: 1 new rows from silver.readings",
        # both parts: the 2 new events, and stock's changes as inc_stock_totals takes them
        "  ok gold.inc_stock_and_events completed <s> incremental: the changes of silver.events, silver.stock folded into its parts (4 rows added, 1 taken away)",
        # id 2's row of 20 taken away, its row of 21 and id 5's added (id 6 is quarantined)
        "  ok gold.inc_stock_totals completed <s> incremental: 2 new and 1 removed rows of silver.stock folded into its groups",
        "  ok gold.inc_stock_positive completed <s>",
    ]
    _same_as_recompute(spark, config)
    balance = (
        "SELECT dataset, rows_read, rows_silver, rows_quarantined, rows_duplicates, "
        "rows_superseded, balanced FROM ops.reconciliation WHERE run_id = '{}' ORDER BY 1"
    )
    assert _rows(spark, balance.format(result.run_id)) == [
        ("events", 3, 3, 0, 0, 0, True), ("readings", 5, 3, 0, 2, 0, True),
        ("stock", 8, 4, 2, 2, 0, True),
    ]  # fmt: skip

    # A late file for an earlier day is a new day too: it backfills, and the newer days win.
    # Its state has lost its counts (as one written by an older version): this run counts all
    # of bronze once, and keeps the counts for the next.
    state = lakehouse_home / "pipeline_storage" / "increments" / "stock.json"
    state.write_text(json.dumps({k: v for k, v in json.loads(state.read_text()).items() if k != "counts"}))  # fmt: skip
    _deliver(landing / "stock" / "stock_20251231.csv", "id,qty\n1,9\n7,70\n")
    # A reading delivered again in a file written before r1.csv: the first delivery now, so it
    # replaces silver's row; the mart that reads its lineage cannot take the new rows alone.
    first = (landing / "readings" / "r1.csv").stat().st_mtime - 60
    _deliver(landing / "readings" / "r0.csv", "sensor,value\nb,2\nd,4\n", seconds=first)
    # Compacted since (`lakehouse optimize`): the same rows, so still refreshed from new rows.
    for table in ("silver.readings", "gold.inc_readings_tenfold"):
        spark.sql(f"OPTIMIZE {table}")
        assert spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").collect()[0]["operation"] == "OPTIMIZE"  # fmt: skip
    said.clear()
    run(spark, config, landing, lakehouse_home, echo=said.append)
    assert _rows(spark, "SELECT sensor, _source_file LIKE '%r0.csv' FROM silver.readings ORDER BY 1") == [("a", False), ("b", True), ("c", False), ("d", True)]  # fmt: skip
    assert _marts(said) == [
        "   = gold.inc_events_by_kind up to date: its inputs and definition are unchanged",
        "   = gold.inc_events_upper up to date: its inputs and definition are unchanged",
        "   ~ gold.inc_readings_files: recomputed (the increment replaced 1 rows of silver.readings)",
        # (d, 4) added; (b, 2) of r0.csv replaces an equal row, which the mart reads the same
        "  ok gold.inc_readings_by_sensor completed <s> incremental: 1 new and 0 removed rows of silver.readings folded into its groups",
        "  ok gold.inc_readings_tenfold completed <s> incremental: 1 new rows from silver.readings",
        # silver.events is up to date: its part keeps its partials, stock's takes id 7
        "  ok gold.inc_stock_and_events completed <s> incremental: the changes of silver.stock folded into its parts (1 rows added, 0 taken away)",
        "  ok gold.inc_stock_positive completed <s> incremental: 1 new rows from silver.stock",
        # id 7 added; id 1's late row of 9 loses to its row of 11 of a later day
        "  ok gold.inc_stock_totals completed <s> incremental: 1 new and 0 removed rows of silver.stock folded into its groups",
        "  ok gold.inc_readings_files completed <s>",
    ]
    counts = json.loads(state.read_text())["counts"]
    silver_rows_now = _rows(spark, "SELECT count(*) FROM silver.stock")[0][0]
    assert counts == {**tally(source_aggregates(spark, config.source("stock"))), "stock:keys": silver_rows_now}  # fmt: skip
    assert (counts["stock:current"], counts["stock:valid"]) == (10, 8)
    assert _lines(said, "quarantine.stock") == [
        "  ok quarantine.stock                                     completed <s>  incremental: 2 new bronze rows"
    ]
    assert _rows(spark, stock)[0] == (1, 11, date(2026, 1, 2))
    assert _rows(spark, "SELECT id FROM silver.stock WHERE id = 7") == [(7,)]
    _same_as_recompute(spark, config)

    # A day delivered again replaces rows silver holds: the engine recomputes.
    _deliver(landing / "stock" / "stock_20260102_v2.csv", "id,qty\n1,12\n4,41\n8,80\n")
    said.clear()
    run(spark, config, landing, lakehouse_home, echo=said.append)
    assert "   ~ silver.stock: recomputed (a delivery replaces a day bronze already held)" in said
    assert _rows(spark, "SELECT id, qty FROM silver.stock ORDER BY id") == [(1, 12), (2, 21), (4, 41), (5, 50), (7, 70), (8, 80)]  # fmt: skip
    _same_as_recompute(spark, config)

    # An increment that fails half-way is undone, then recomputed: nothing twice, nothing lost.
    # (Stock's silver fails; readings' silver is applied, then its marts cannot be.)
    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    merge = increments._merge

    def stock_boom(spark: SparkSession, source: SourceConfig, rows: DataFrame, before: int) -> object:  # fmt: skip
        if source.name == "stock":
            boom()
        return merge(spark, source, rows, before)

    def odd_marts(sql: str, table: str, view: str) -> str:  # one fails, one gains a column
        if "tenfold" in sql:
            boom()
        return f"SELECT *, 1 AS extra FROM ({replace_table(sql, table, view)})"

    _deliver(landing / "stock" / "stock_20260104.csv", "id,qty\n9,90\n10,-10\n")
    _deliver(landing / "readings" / "r3.csv", "sensor,value\ne,5\n")
    said.clear()
    with monkeypatch.context() as patch:
        patch.setattr(increments, "_merge", stock_boom)
        patch.setattr(marts, "replace_table", odd_marts)
        run(spark, config, landing, lakehouse_home, echo=said.append)
    assert "   ~ silver.stock: recomputed (the increment failed: boom)" in said
    assert [line for line in said if line.startswith("   ~ gold.")] == [
        "   ~ gold.inc_readings_files: recomputed (its rows over the increment are not its table's columns)",
        "   ~ gold.inc_readings_tenfold: recomputed (the increment failed: boom)",
    ]
    assert _rows(spark, "SELECT id FROM quarantine.stock ORDER BY id") == [("10",), ("3",), ("6",)]
    _same_as_recompute(spark, config)

    # A clock set back: this run's rows would look older than the last refresh. Recomputed.
    saved = json.loads(state.read_text())
    state.write_text(json.dumps({**saved, "through": "2999-01-01 00:00:00"}))
    _deliver(landing / "stock" / "stock_20260106.csv", "id,qty\n12,120\n")
    said.clear()
    run(spark, config, landing, lakehouse_home, echo=said.append)
    assert (
        "   ~ silver.stock: recomputed (rows this run ingested are stamped before its last refresh: clock set back?)"
        in said
    )
    assert _rows(spark, "SELECT count(*) FROM silver.stock WHERE id = 12") == [(1,)]
    _same_as_recompute(spark, config)

    # A table dropped behind the state's back: recomputed, not a crash.
    spark.sql("DROP TABLE quarantine.stock")
    _deliver(landing / "stock" / "stock_20260107.csv", "id,qty\n13,130\n")
    said.clear()
    run(spark, config, landing, lakehouse_home, echo=said.append)
    assert [line for line in said if line.startswith("   ~ silver.stock: ")] == [
        "   ~ silver.stock: recomputed (quarantine.stock could not be read: "
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `quarantine`.`stock` cannot be found. "
        "Verify the spelling and correctness of the schema and catalog.)"
    ]
    assert _rows(spark, "SELECT id FROM quarantine.stock ORDER BY id") == [("10",), ("3",), ("6",)]
    _same_as_recompute(spark, config)

    # A table changed behind the state's back (a run killed between the two commits): recomputed.
    spark.sql("DELETE FROM quarantine.stock WHERE id = '3'")
    spark.sql("DELETE FROM gold.inc_events_upper WHERE id = 2")
    _deliver(landing / "stock" / "stock_20260105.csv", "id,qty\n11,110\n")
    _deliver(landing / "events" / "e3.json", '{"id": 3, "kind": "view"}\n')
    said.clear()
    run(spark, config, landing, lakehouse_home, echo=said.append)
    assert "   ~ silver.stock: recomputed (quarantine.stock changed since its last refresh)" in said
    assert [
        line
        for line in said
        if line.startswith(("   ~ gold.inc_events", "   ~ gold.inc_stock_and"))
    ] == [
        # (said as the marts are chosen, before any is refreshed)
        "   ~ gold.inc_stock_and_events: recomputed (silver.stock is recomputed in this run)",
        "   ~ gold.inc_events_upper: recomputed (gold.inc_events_upper changed since its last refresh)",
    ]
    assert _rows(spark, "SELECT id FROM quarantine.stock ORDER BY id") == [("10",), ("3",), ("6",)]
    _same_as_recompute(spark, config)

    # A merge that loses a row: the rows silver should hold are counted apart from silver (its
    # 10 rows of the last recompute plus the 1 key of the 2 new rows it did not hold), so the
    # run does not balance (the duplicates used to be derived from silver). 20 rows read: 2
    # superseded (the first 2026-01-02), 3 quarantined, 15 valid (4 duplicates), so silver
    # must hold 11 rows; it holds 10.
    def lossy(spark: SparkSession, source: SourceConfig, rows: DataFrame, before: int) -> object:
        merged = merge(spark, source, rows, before)
        if source.name == "stock":
            spark.sql("DELETE FROM silver.stock WHERE id = 1")
        return merged

    _deliver(landing / "stock" / "stock_20260108.csv", "id,qty\n14,140\n1,13\n")
    said.clear()
    with monkeypatch.context() as patch:
        patch.setattr(increments, "_merge", lossy)
        result = run(spark, config, landing, lakehouse_home, echo=said.append)
    assert _lines(said, "silver.stock") == [
        "  ok silver.stock                                         completed <s>  incremental: 2 new bronze rows"
    ]
    assert [line for line in said if line.startswith("ops: ")] == [
        "ops: stock does not balance: 20 read, 19 accounted for"
    ]
    assert _rows(spark, balance.format(result.run_id)) == [("stock", 20, 10, 3, 4, 2, False)]
