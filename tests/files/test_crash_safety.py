"""A run killed with SIGKILL part-way, then rerun, leaves the same tables as a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from tests.files.conf import file_conf
from tests.files.samples import write, write_json_lines
from tests.graph.helpers import run

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.graph, pytest.mark.spark]

LAKEHOUSE = Path(sys.executable).with_name("lakehouse")
TABLES = {
    "bronze.orders": "id, customer, day, _rescued_data, _source_file, _file_date, _content_hash",
    "silver.orders": "id, customer, day, _source_file, _file_date, _content_hash",
    "quarantine.orders": "_reasons, id, customer, day, _source_file, _content_hash",
    "bronze.events": "id, kind, _rescued_data, _corrupt_record, _source_file, _content_hash",
    "silver.events": "id, kind, _rescued_data, _content_hash",
}


def _landing(root: Path) -> Path:
    landing = root / "landing"
    for day in range(1, 5):
        rows = "".join(f"{day * 100 + i};c{i};0{day}/01/2024\r\n" for i in range(40))
        write(landing / "orders" / f"orders_2024010{day}.csv", "id;customer;day\r\n" + rows, "latin-1")  # fmt: skip
        write_json_lines(landing / "events" / f"e{day}.json", [{"id": day * 10 + i, "kind": "k"} for i in range(30)])  # fmt: skip
    return landing


def _lakehouse(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(LAKEHOUSE), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip


def _rows(spark: SparkSession, warehouse: Path | None, table: str) -> list[tuple[object, ...]]:
    if warehouse is None:
        frame = spark.read.table(table)
    else:  # another process's tables: read their files (as its metastore would)
        schema, name = table.split(".")
        frame = spark.read.parquet(str(warehouse / f"{schema}.db" / name))
    rows = frame.selectExpr(*TABLES[table].split(", ")).collect()
    return sorted((tuple(r) for r in rows), key=repr)


def test_sigkill_mid_ingest_then_rerun_equals_a_clean_run(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    conf = file_conf(tmp_path, "orders", "events")
    landing = _landing(tmp_path)
    home = tmp_path / "crash_home"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SPARK_CONNECT")}
    env = {**inherited, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing), "LAKEHOUSE_CONF": str(conf)}  # fmt: skip
    # One file per micro-batch, so the kill lands between batches of a running stream.
    for name in ("orders", "events"):
        path = conf / "sources" / f"{name}.yml"
        path.write_text(path.read_text().replace("  type: files\n", "  type: files\n  max_files_per_trigger: 1\n").replace("{type: files,", "{type: files, max_files_per_trigger: 1,"))  # fmt: skip

    killed = _lakehouse(env, "run", "--full-refresh")
    assert killed.stdout is not None
    seen = []
    for line in killed.stdout:
        seen.append(line)
        if line.startswith("  ok bronze."):  # the first stream finished, the other one runs
            os.killpg(killed.pid, signal.SIGKILL)
            break
    killed.wait()
    assert killed.returncode == -signal.SIGKILL, "".join(seen)

    rerun = _lakehouse(env, "run")
    output = rerun.communicate()[0]
    assert rerun.returncode == 0, output

    run(spark, load_config(conf), landing, lakehouse_home, full_refresh=True)  # the clean run
    for table in TABLES:
        assert _rows(spark, home / "warehouse", table) == _rows(spark, None, table), table
    assert len(_rows(spark, None, "bronze.orders")) == 160
