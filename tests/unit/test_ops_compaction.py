"""The ops tables' small files compacted every so many runs, and ``lakehouse optimize``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.cli import main
from pipelines.local.compaction import RunCount, compact_when_due
from pipelines.ops import append_rows
from pipelines.ops.compact import ops_tables
from tests.files.conf import file_conf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_RUN = {
    "target": "local", "trigger": "manual", "parameters": "{}",
    "started_at": datetime(2026, 12, 5, 6, 0), "ended_at": datetime(2026, 12, 5, 6, 1),
    "status": "COMPLETED",
}  # fmt: skip


def test_the_count_says_when_compaction_is_due_and_restarts(tmp_path: Path) -> None:
    count = RunCount(tmp_path.as_uri())
    assert [count.recorded(3) for _ in range(4)] == [False, False, True, True]
    assert count.runs() == 4  # nobody restarted the count: due in every run until someone does
    count.restart()
    assert (count.runs(), count.recorded(3)) == (0, False)
    assert (tmp_path / "_compaction" / "runs").read_text(encoding="utf-8") == "1"
    assert [count.recorded(0) for _ in range(3)] == [False, False, False]  # 0: never
    (tmp_path / "_compaction" / "runs").write_text("half", encoding="utf-8")
    assert (count.runs(), count.recorded(1)) == (0, True)  # an unreadable count starts again


def test_a_storage_not_on_this_machine_keeps_no_count() -> None:
    count = RunCount("s3://bucket/storage")
    assert (count.file, count.recorded(1), count.runs()) == (None, False, 0)


def test_a_count_that_cannot_be_written_is_said_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "_compaction").write_text("not a folder", encoding="utf-8")
    lines: list[str] = []
    compact_when_due(None, tmp_path.as_uri(), 1, "delta", lines.append)  # type: ignore[arg-type]
    assert lines == [
        f"ops: runs since the last compaction not counted: [Errno 17] File exists: '{tmp_path / '_compaction'}'"
    ]


class _Unreachable:
    """A session whose server is gone: every call fails as a lost connection does."""

    @property
    def catalog(self) -> _Unreachable:
        return self

    def databaseExists(self, _name: str) -> bool:  # noqa: N802 - pyspark's name
        raise ConnectionError("server unreachable\nat ...")


def test_a_failed_compaction_is_said_and_tried_again_only_every_n_runs(tmp_path: Path) -> None:
    storage, lines = tmp_path.as_uri(), list[str]()
    for _ in range(5):
        compact_when_due(_Unreachable(), storage, 2, "delta", lines.append)  # type: ignore[arg-type]
    assert lines == ["ops: ops tables not compacted: server unreachable"] * 2  # runs 2 and 4
    assert RunCount(storage).runs() == 1


def _files(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE DETAIL {table}").collect()[0]["numFiles"])


def _runs(spark: SparkSession) -> list[tuple[object, ...]]:
    return [tuple(r) for r in spark.sql("SELECT * FROM ops.pipeline_runs ORDER BY run_id").collect()]  # fmt: skip


@pytest.mark.spark
def test_when_due_every_ops_table_is_compacted_and_its_rows_kept(
    spark: SparkSession, tmp_path: Path
) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    spark.sql("DROP TABLE IF EXISTS ops.pipeline_runs")
    for run in ("r1", "r2", "r3"):
        append_rows(spark, "pipeline_runs", [{**_RUN, "run_id": run}])
    tables = ops_tables(spark)
    before = {t: _files(spark, t) for t in tables}
    assert before["ops.pipeline_runs"] == 3
    rows = _runs(spark)
    storage, lines = tmp_path.as_uri(), list[str]()

    compact_when_due(spark, storage, 2, "delta", lines.append)  # the first run of two
    assert (lines, _files(spark, "ops.pipeline_runs")) == ([], 3)
    compact_when_due(spark, storage, 2, "delta", lines.append)

    # OPTIMIZE leaves a table of one file alone, and folds two or more into one
    folded = {t: n for t, n in before.items() if n > 1}
    assert lines == [
        f"ops: ops tables compacted (every 2 runs): {sum(folded.values())} small files into {len(folded)}"
    ]
    assert {t: _files(spark, t) for t in tables} == {t: min(n, 1) for t, n in before.items()}
    assert _runs(spark) == rows
    history = spark.sql("DESCRIBE HISTORY ops.pipeline_runs LIMIT 1").collect()[0]
    assert history["operation"] == "OPTIMIZE"
    assert RunCount(storage).runs() == 0


@pytest.mark.spark
def test_parquet_tables_are_not_compacted(spark: SparkSession, tmp_path: Path) -> None:
    lines: list[str] = []
    compact_when_due(spark, tmp_path.as_uri(), 1, "parquet", lines.append)
    assert (lines, RunCount(tmp_path.as_uri()).runs()) == ([], 1)


_PROBE = """
name: compaction_probe
description: A streaming table for lakehouse optimize to find.
owner: data_engineers
source: {type: files, path: compaction_probe, format: json}
columns:
  - {name: id, type: int, nullable: false}
"""


def _optimize(
    argv: list[str], home: Path, conf: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(home))
        env.setenv("LAKEHOUSE_CONF", str(conf))
        capsys.readouterr()
        code = main(["optimize", *argv])
    return code, capsys.readouterr().out.splitlines()


@pytest.mark.spark
def test_optimize_compacts_the_tables_named_and_names_those_it_cannot(
    spark: SparkSession, lakehouse_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = file_conf(tmp_path, "orders")  # project.yml and access.yml; the source is replaced
    (conf / "sources" / "orders.yml").unlink()
    (conf / "sources" / "compaction_probe.yml").write_text(_PROBE.lstrip(), encoding="utf-8")
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    spark.sql("DROP TABLE IF EXISTS ops.pipeline_runs")
    for run in ("r1", "r2"):
        append_rows(spark, "pipeline_runs", [{**_RUN, "run_id": run}])

    code, lines = _optimize(["ops.pipeline_runs", "ops.nope"], lakehouse_home, conf, capsys)

    assert code == 1
    assert lines[0] == "  ok ops.pipeline_runs: 2 files into 1"
    assert lines[1].startswith("  x ops.nope: [TABLE_OR_VIEW_NOT_FOUND] The table or view `ops`.`nope` cannot be found."), lines[1]  # fmt: skip
    assert re.fullmatch(r"optimize: 1 of 2 table\(s\) in \d+\.\ds", lines[2]), lines
    assert _files(spark, "ops.pipeline_runs") == 1

    # By default: every ops table, then every streaming table of the config that exists (the
    # probe's bronze table, two appends here: what a stream's two micro-batches leave).
    # Then every table a local run refreshes from new rows (appended to as well): its silver.
    for table in ("bronze.compaction_probe", "silver.compaction_probe"):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {table.split('.')[0]}")
        spark.sql(f"DROP TABLE IF EXISTS {table}")
        for batch in (1, 2):
            spark.createDataFrame([(batch,)], "id INT").write.format("delta").mode("append").saveAsTable(table)  # fmt: skip
    RunCount((lakehouse_home / "pipeline_storage").as_uri()).recorded(50)
    code, lines = _optimize(["--vacuum"], lakehouse_home, conf, capsys)

    assert code == 0, lines
    named = [line.split(":")[0].removeprefix("  ok ") for line in lines[:-1]]
    assert named == [*ops_tables(spark), "bronze.compaction_probe", "silver.compaction_probe"]
    assert "  ok ops.pipeline_runs: nothing to compact" in lines
    assert lines[-3:-1] == [
        "  ok bronze.compaction_probe: 2 files into 1", "  ok silver.compaction_probe: 2 files into 1",
    ]  # fmt: skip
    assert re.fullmatch(rf"optimize: {len(named)} of {len(named)} table\(s\) in \d+\.\ds", lines[-1])  # fmt: skip
    assert sorted(r.id for r in spark.table("bronze.compaction_probe").collect()) == [1, 2]
    assert RunCount((lakehouse_home / "pipeline_storage").as_uri()).runs() == 0
    assert sorted(r.id for r in spark.table("silver.compaction_probe").collect()) == [1, 2]
    spark.sql("DROP TABLE bronze.compaction_probe")
    spark.sql("DROP TABLE silver.compaction_probe")


def test_optimize_takes_schema_table_names_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["optimize", "ops.flow_metrics", "ops.x; DROP TABLE gold.y"])
    assert exited.value.code == 2  # before Spark starts
    assert capsys.readouterr().err.splitlines()[-1] == (
        "lakehouse optimize: error: argument TABLE: 'ops.x; DROP TABLE gold.y' is not a "
        "schema.table name, e.g. ops.flow_metrics"
    )
