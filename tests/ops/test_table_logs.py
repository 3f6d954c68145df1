"""A local run's table counts read from the Delta logs (``pipelines.local.table_logs``): the
same numbers as Spark's counts, or no answer at all."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from pipelines.local.increments import last_commit, newest_commit, same_rows
from pipelines.local.table_logs import TableLogs, live_files, rows_of_run, table_rows
from pipelines.ops.counts import table_aggregates, tally
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TABLE = "logs_test.events"


def _spec(kind: str, name: str = TABLE) -> DatasetSpec:
    def query(spark: SparkSession) -> DataFrame:
        return spark.read.table(name)

    return DatasetSpec(name=name, kind=kind, query=query)  # type: ignore[arg-type]


@pytest.fixture
def schema(spark: SparkSession) -> Iterator[None]:
    spark.sql("CREATE DATABASE IF NOT EXISTS logs_test")
    yield
    spark.sql("DROP DATABASE IF EXISTS logs_test CASCADE")


def _append(spark: SparkSession, run_id: str, ids: list[int], table: str = TABLE) -> None:
    rows = spark.createDataFrame([(i, run_id) for i in ids], "id INT, _run_id STRING")
    rows.coalesce(1).write.format("delta").mode("append").saveAsTable(table)


def _both(spark: SparkSession, spec: DatasetSpec, run_id: str) -> tuple[object, object]:
    """What the logs answer of ``spec`` and what Spark counts."""
    logs = TableLogs.of(spark).counts([spec], run_id)
    return logs.get(spec.name), tally(table_aggregates(spark, [spec], run_id))


@pytest.mark.spark
def test_the_logs_give_sparks_counts_through_deletes_checkpoints_and_compaction(
    spark: SparkSession, schema: None
) -> None:
    """Three runs' appends, a checkpoint every two commits and a delete by deletion vector:
    the log's counts are Spark's. Compacted, one file holds several runs' rows: the rows this
    run appended are not in the log any more, so the streaming table is left to Spark, and a
    materialized view's rows are still answered."""
    spark.sql(
        f"CREATE TABLE {TABLE} (id INT, _run_id STRING) USING delta TBLPROPERTIES "
        "('delta.checkpointInterval' = '2', 'delta.enableDeletionVectors' = 'true')"
    )
    for run_id, ids in (("r1", [1, 2, 3]), ("r2", [4, 5]), ("r3", [6, 7, 8, 9])):
        _append(spark, run_id, ids)
    spark.sql(f"DELETE FROM {TABLE} WHERE id IN (2, 7)")
    (detail,) = spark.sql(f"DESCRIBE DETAIL {TABLE}").collect()
    log = Path(urlparse(detail["location"]).path) / "_delta_log"
    assert sorted(p.name for p in log.glob("*.checkpoint.parquet")) == [
        "00000000000000000002.checkpoint.parquet", "00000000000000000004.checkpoint.parquet"
    ]  # fmt: skip
    history = spark.sql(f"DESCRIBE HISTORY {TABLE} LIMIT 1").collect()[0]["operationMetrics"]
    assert history["numDeletionVectorsAdded"] == "2"

    streaming = _spec("streaming_table")
    expected = {TABLE: 7, f"{TABLE}#appended": 3}
    assert _both(spark, streaming, "r3") == (expected, expected)
    assert TableLogs.of(spark).appended(TABLE, "r3") == 3  # the increments' clock check
    assert _both(spark, streaming, "r9") == ({TABLE: 7, f"{TABLE}#appended": 0},) * 2

    spark.sql(f"OPTIMIZE {TABLE}")
    assert len(live_files(log.parent) or ()) == 1
    assert _both(spark, streaming, "r3") == (None, expected)
    assert _both(spark, _spec("materialized_view"), "r3") == ({TABLE: 7}, {TABLE: 7})


@pytest.mark.spark
def test_a_table_without_statistics_or_run_ids_is_left_to_spark(
    spark: SparkSession, schema: None
) -> None:
    """No statistics: no answer. A table without ``_run_id``: its rows, and no count of a
    run's rows (Spark takes none either)."""
    _append(spark, "r1", [1, 2])
    spark.conf.set("spark.databricks.delta.stats.collect", "false")
    try:
        _append(spark, "r2", [3])
    finally:
        spark.conf.unset("spark.databricks.delta.stats.collect")
    assert _both(spark, _spec("streaming_table"), "r2") == (None, {TABLE: 3, f"{TABLE}#appended": 1})  # fmt: skip

    plain = "logs_test.plain"
    spark.createDataFrame([(1,), (2,)], "id INT").writeTo(plain).create()
    assert _both(spark, _spec("streaming_table", plain), "r1") == ({plain: 2}, {plain: 2})


def _log(folder: Path, *commits: list[dict[str, Any]]) -> Path:
    log = folder / "_delta_log"
    log.mkdir(parents=True)
    for version, actions in enumerate(commits):
        text = "".join(json.dumps(a) + "\n" for a in actions)
        (log / f"{version:020d}.json").write_text(text)
    return log


def _add(path: str, records: int, run_id: str | None = None, **extra: object) -> dict[str, Any]:
    stats: dict[str, object] = {"numRecords": records}
    if run_id is not None:
        stats |= {"minValues": {"_run_id": run_id}, "maxValues": {"_run_id": run_id},
                  "nullCount": {"_run_id": 0}}  # fmt: skip
    return {"add": {"path": path, "dataChange": True, "stats": json.dumps(stats), **extra}}


PROTOCOL: dict[str, Any] = {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}
METADATA: dict[str, Any] = {
    "metaData": {"schemaString": json.dumps({"fields": [{"name": "_run_id"}]})}
}
UNKNOWN_FEATURE: dict[str, Any] = {"protocol": {"readerFeatures": ["catalogManaged"]}}


def test_a_log_is_replayed_file_by_file(tmp_path: Path) -> None:
    """Adds, a remove, and a deletion vector put on a file (its remove without the vector,
    its add with it): 10 + 4 - 1 rows, 4 of them run b's."""
    vector = {"storageType": "u", "pathOrInlineDv": "x", "offset": 1, "cardinality": 1}
    _log(
        tmp_path,
        [PROTOCOL, METADATA, _add("a.parquet", 10, "a"), _add("old.parquet", 5, "a")],
        [{"remove": {"path": "old.parquet"}}, _add("b.parquet", 4, "b")],
        [{"remove": {"path": "a.parquet"}}, _add("a.parquet", 10, "a", deletionVector=vector)],
    )
    adds = live_files(tmp_path)
    assert adds is not None
    assert (table_rows(adds), rows_of_run(adds, "b"), rows_of_run(adds, "c")) == (13, 4, 0)


def test_a_file_that_may_hold_the_run_among_others_is_not_counted(tmp_path: Path) -> None:
    mixed = _add("m.parquet", 3, "a")
    stats = json.loads(mixed["add"]["stats"])
    stats["maxValues"]["_run_id"] = "c"
    mixed["add"]["stats"] = json.dumps(stats)
    _log(tmp_path, [PROTOCOL, METADATA, mixed])
    adds = live_files(tmp_path)
    assert adds is not None
    assert (rows_of_run(adds, "b"), rows_of_run(adds, "d"), table_rows(adds)) == (None, 0, 3)


@pytest.mark.parametrize(
    ("case", "commits"),
    [
        ("a reader feature it does not know", [[UNKNOWN_FEATURE, METADATA]]),
        ("no protocol", [[METADATA, _add("a.parquet", 1)]]),
        ("a missing commit", [[PROTOCOL, METADATA], [], [_add("a.parquet", 1)]]),
        ("a garbled commit", [[PROTOCOL, METADATA, _add("a.parquet", 1)]]),
        ("an add without its path", [[PROTOCOL, METADATA, {"add": {"stats": "{}"}}]]),
    ],
)
def test_a_log_it_cannot_follow_is_no_answer(
    tmp_path: Path, case: str, commits: list[list[dict[str, Any]]]
) -> None:
    log = _log(tmp_path, *commits)
    if case == "a missing commit":
        (log / f"{1:020d}.json").unlink()
    if case == "a garbled commit":  # half written, as by a writer that died
        commit = log / f"{0:020d}.json"
        commit.write_text(commit.read_text()[:-20])
    assert live_files(tmp_path) is None, case


def test_a_checkpoint_named_by_its_id_or_no_log_is_no_answer(tmp_path: Path) -> None:
    log = _log(tmp_path / "t", [PROTOCOL, METADATA, _add("a.parquet", 1)])
    assert table_rows(live_files(tmp_path / "t") or ()) == 1
    (log / f"{0:020d}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json").write_text("{}")
    assert live_files(tmp_path / "t") is None
    assert live_files(tmp_path / "missing") is None
    assert TableLogs(None).counts([_spec("materialized_view")], "r1") == {}


@pytest.mark.spark
def test_a_small_tables_rows_are_read_from_its_files_when_they_hold_them_plainly(
    spark: SparkSession, schema: None
) -> None:
    """A column added later is None in the files written before it; a table with a deletion
    vector, or partitioned, is left to Spark (its files do not hold its rows as they are)."""
    _append(spark, "r1", [1, 2])
    spark.sql(f"ALTER TABLE {TABLE} ADD COLUMNS (note STRING)")
    spark.sql(f"INSERT INTO {TABLE} VALUES (3, 'r2', 'late')")
    logs = TableLogs.of(spark)
    columns = ["id", "note", "missing"]
    rows = sorted(logs.rows(TABLE, columns) or [], key=lambda r: r["id"])
    assert rows == [
        {"id": 1, "note": None, "missing": None},
        {"id": 2, "note": None, "missing": None},
        {"id": 3, "note": "late", "missing": None},
    ]
    spark.sql(f"ALTER TABLE {TABLE} SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")
    spark.sql(f"DELETE FROM {TABLE} WHERE id = 1")
    assert logs.rows(TABLE, columns) is None
    spark.sql("CREATE TABLE logs_test.parts (id INT, day STRING) USING delta PARTITIONED BY (day)")
    spark.sql("INSERT INTO logs_test.parts VALUES (1, 'd1')")
    assert logs.rows("logs_test.parts", ["id", "day"]) is None
    assert logs.rows("logs_test.absent", ["id"]) is None

    # A data file that is not Parquet (damaged behind Delta's back): no answer, no crash.
    _append(spark, "r3", [4], "logs_test.plain")
    (detail,) = spark.sql("DESCRIBE DETAIL logs_test.plain").collect()
    (data,) = Path(urlparse(detail["location"]).path).glob("*.parquet")
    assert len(logs.rows("logs_test.plain", ["id"]) or ()) == 1
    data.write_bytes(b"not parquet")
    assert logs.rows("logs_test.plain", ["id"]) is None


@pytest.mark.spark
def test_a_tables_commits_are_read_from_its_log_as_its_history_gives_them(
    spark: SparkSession, schema: None
) -> None:
    """The increments' state (``newest_commit``, ``same_rows``) reads a table's commits
    from its log: the version, operation and metrics ``DESCRIBE HISTORY`` gives, through a
    checkpoint. A compaction after the recorded commit keeps its rows; a write, or the table
    made again up to the same version, does not; a state kept as a time (before) is still
    checked, by the history."""
    spark.sql(
        f"CREATE TABLE {TABLE} (id INT, _run_id STRING) USING delta TBLPROPERTIES "
        "('delta.checkpointInterval' = '2')"
    )
    _append(spark, "r1", [1, 2, 3])
    _append(spark, "r2", [4])
    logs = TableLogs.of(spark)
    history = spark.sql(f"DESCRIBE HISTORY {TABLE} LIMIT 1").collect()[0]
    newest = logs.newest_commit(TABLE)
    assert newest is not None
    assert (newest[0], newest[1]["operation"]) == (history["version"], history["operation"]) == (2, "WRITE")  # fmt: skip
    commit, metrics = newest_commit(spark, TABLE)
    assert commit == [2, newest[1]["txnId"]]
    assert metrics["numOutputRows"] == "1"
    old = [2, str(history["timestamp"])]  # how the state kept a commit before

    spark.sql(f"OPTIMIZE {TABLE}")
    optimized = last_commit(spark, TABLE)
    assert optimized[0] == 3
    assert [i["operation"] for i in logs.commit_infos(TABLE, [2, 3]) or []] == ["WRITE", "OPTIMIZE"]
    assert same_rows(spark, TABLE, commit, optimized)
    assert same_rows(spark, TABLE, old, optimized)
    _append(spark, "r3", [5])
    assert not same_rows(spark, TABLE, commit, last_commit(spark, TABLE))

    spark.sql(f"DROP TABLE {TABLE}")
    spark.sql(f"CREATE TABLE {TABLE} (id INT, _run_id STRING) USING delta")
    _append(spark, "r1", [1, 2, 3])
    _append(spark, "r2", [4])
    spark.sql(f"OPTIMIZE {TABLE}")
    again = last_commit(spark, TABLE)
    assert again[0] == 3
    assert not same_rows(spark, TABLE, commit, again)
    assert not same_rows(spark, TABLE, old, again)


def test_a_commit_the_log_does_not_hold_is_no_answer(tmp_path: Path) -> None:
    """A commit missing (cleaned up after a checkpoint) or without its ``commitInfo``, or
    commits a catalog holds apart (``_staged_commits``): no answer, the history is asked."""
    log = tmp_path / "s.db" / "t" / "_delta_log"
    log.mkdir(parents=True)
    info = {"commitInfo": {"operation": "WRITE", "txnId": "a"}}
    (log / f"{1:020d}.json").write_text(json.dumps(info) + "\n")
    (log / f"{2:020d}.json").write_text(json.dumps({"add": {"path": "x"}}) + "\n")
    (log / "_staged_commits").mkdir()  # Delta 4.4 makes it, empty, for every table
    logs = TableLogs(tmp_path)
    assert logs.commit_infos("s.t", [1]) == [info["commitInfo"]]
    assert logs.commit_infos("s.t", [0, 1]) is None  # cleaned up
    assert logs.newest_commit("s.t") is None  # version 2 has no commitInfo
    (log / f"{2:020d}.json").write_text(json.dumps(info) + "\n")
    assert logs.newest_commit("s.t") == (2, info["commitInfo"])
    (log / "_staged_commits" / f"{3:020d}.uuid.json").write_text("{}\n")
    assert logs.newest_commit("s.t") is None
    assert TableLogs(None).newest_commit("s.t") is None


@pytest.mark.spark
def test_a_schema_is_read_where_the_metastore_keeps_it(
    spark: SparkSession, schema: None, tmp_path: Path
) -> None:
    """A home copied elsewhere keeps its tables where they were made (the metastore's
    locations are absolute): the logs are read there, not in the session's warehouse, which
    here holds another table's log by the same name (a copy that no one writes)."""
    warehouse = Path(urlparse(spark.conf.get("spark.sql.warehouse.dir") or "").path)
    spark.sql(f"CREATE DATABASE logs_moved LOCATION '{(tmp_path / 'elsewhere').as_uri()}'")
    try:
        _append(spark, "r1", [1, 2, 3], "logs_moved.events")
        _append(spark, "r1", [1], TABLE)
        shutil.copytree(warehouse / "logs_test.db" / "events", warehouse / "logs_moved.db" / "events")  # fmt: skip
        logs = TableLogs.of(spark)
        assert logs.counts([_spec("materialized_view", "logs_moved.events")], "r1") == {"logs_moved.events": {"logs_moved.events": 3}}  # fmt: skip
        assert TableLogs(warehouse).counts([_spec("materialized_view", "logs_moved.events")], "r1") == {"logs_moved.events": {"logs_moved.events": 1}}  # fmt: skip
    finally:
        spark.sql("DROP DATABASE logs_moved CASCADE")
        shutil.rmtree(warehouse / "logs_moved.db", ignore_errors=True)
