"""A run killed with SIGKILL part-way, then rerun, leaves the same tables as a clean run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config import load_config
from tests.conftest import TEST_ENGINE_ARGS, TEST_JVM
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


def _landing(root: Path, days: range = range(1, 5)) -> Path:
    landing = root / "landing"
    for day in days:
        rows = "".join(f"{day * 100 + i};c{i};0{day}/01/2024\r\n" for i in range(40))
        write(landing / "orders" / f"orders_2024010{day}.csv", "id;customer;day\r\n" + rows, "latin-1")  # fmt: skip
        write_json_lines(landing / "events" / f"e{day}.json", [{"id": day * 10 + i, "kind": "k"} for i in range(30)])  # fmt: skip
    return landing


def _lakehouse(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[str]:
    with log.open("w") as sink:
        return subprocess.Popen(
            [str(LAKEHOUSE), *args], env=env, stdout=sink, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip


def _throttled(conf: Path) -> Path:
    """One file per micro-batch, so that a kill lands between the batches of a running stream."""
    for name in ("orders", "events"):
        path = conf / "sources" / f"{name}.yml"
        path.write_text(path.read_text().replace("  type: files\n", "  type: files\n  max_files_per_trigger: 1\n").replace("{type: files,", "{type: files, max_files_per_trigger: 1,"))  # fmt: skip
    return conf


def _test_jvm(conf: Path) -> Path:
    """The test session's JVM options for the ``lakehouse`` processes' servers too."""
    project = conf / "project.yml"
    options = f"\nlocal:\n  java_options: [{', '.join(TEST_JVM)}]\n"
    project.write_text(project.read_text().replace("\nlocal:\n", options, 1))
    assert load_config(conf).project.local.java_options == TEST_JVM
    return conf


def _kill_after_first_batch(process: subprocess.Popen[str], home: Path, log: Path) -> None:
    """SIGKILL the run's process group once bronze.orders has committed its first micro-batch
    (of four): the same point every time, without waiting for a stream to finish."""
    checkpoints = home / "pipeline_storage" / "_checkpoints" / "spark_catalog" / "bronze" / "orders"
    deadline = time.monotonic() + 600
    while not any(checkpoints.glob("**/commits/0")):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no first batch of bronze.orders to kill after:\n{log.read_text()}")
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _rows(spark: SparkSession, warehouse: Path | None, table: str) -> list[tuple[object, ...]]:
    if warehouse is None:
        frame = spark.read.table(table)
    else:  # another process's tables: read their Delta logs (as its metastore would)
        schema, name = table.split(".")
        frame = spark.read.format("delta").load(str(warehouse / f"{schema}.db" / name))
    rows = frame.selectExpr(*TABLES[table].split(", ")).collect()
    return sorted((tuple(r) for r in rows), key=repr)


def test_sigkill_mid_ingest_then_rerun_equals_a_clean_run(spark: SparkSession, tmp_path: Path, lakehouse_home: Path) -> None:  # fmt: skip
    """Slow (about 100 s): the killed run and the rerun are ``lakehouse run`` processes of
    their own, each starting a JVM, while the clean run goes on in this session. A SIGKILL needs
    a process to kill, and the rerun must start afresh as it would after a real crash. The
    rerun keeps its server, and a third ``lakehouse run`` goes there (no JVM of its own)."""
    landing = _landing(tmp_path)
    conf = _test_jvm(file_conf(tmp_path, "orders", "events"))
    throttled = _throttled(_test_jvm(file_conf(tmp_path / "throttled", "orders", "events")))
    home = tmp_path / "crash_home"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SPARK_CONNECT")}
    env = {**inherited, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_LANDING": str(landing), "LAKEHOUSE_CONF": str(conf)}  # fmt: skip
    env["PYSPARK_SUBMIT_ARGS"] = TEST_ENGINE_ARGS  # the test session's engine settings
    killed_log, rerun_log = tmp_path / "killed.log", tmp_path / "rerun.log"

    # The clean run goes on in this session while the other process runs, is killed and reruns.
    with ThreadPoolExecutor(max_workers=1) as pool:
        clean = pool.submit(run, spark, load_config(conf), landing, lakehouse_home, full_refresh=True)  # fmt: skip
        killed = _lakehouse({**env, "LAKEHOUSE_CONF": str(throttled)}, killed_log, "run", "--full-refresh")  # fmt: skip
        _kill_after_first_batch(killed, home, killed_log)
        assert killed.returncode == -signal.SIGKILL, killed_log.read_text()

        # The rerun reads what is left in one batch per stream: batching must not change tables.
        # It keeps its server up afterwards (`--keep-server`), for the run after it.
        rerun = _lakehouse(env, rerun_log, "run", "--keep-server")
        try:
            _wait_for_kept(rerun, rerun_log)
            clean.result()
            for table in TABLES:
                assert _rows(spark, home / "warehouse", table) == _rows(spark, None, table), table
            assert len(_rows(spark, None, "bronze.orders")) == 160
            _a_later_run_goes_to_the_kept_server(spark, env, home, landing)
        finally:
            os.killpg(rerun.pid, signal.SIGTERM)
            rerun.wait(timeout=120)
    assert rerun.returncode == 0, rerun_log.read_text()
    assert not list((home / "servers").glob("*.json"))  # withdrawn as it stopped


def _wait_for_kept(process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 600
    while "server kept: " not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the rerun did not keep its server:\n{log.read_text()}")
        time.sleep(0.1)


def _a_later_run_goes_to_the_kept_server(
    spark: SparkSession, env: dict[str, str], home: Path, landing: Path
) -> None:
    """A new day, run by a ``lakehouse run`` that starts no JVM: it runs on the server kept
    for the home (``pipelines.cli.run``), which holds the home's metastore anyway. The JVM
    settings project.yml changed since the server started are said, not silently dropped."""
    _landing(landing.parent, range(5, 6))
    ((state,),) = [list((home / "servers").glob("*.json"))]
    port = json.loads(state.read_text())["port"]
    project = Path(env["LAKEHOUSE_CONF"]) / "project.yml"
    project.write_text(project.read_text().replace("driver_memory: 4g", "driver_memory: 3g"))
    later = subprocess.run(
        [str(LAKEHOUSE), "run"], env=env, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert later.returncode == 0, later.stdout + later.stderr
    said = [line for line in later.stderr.splitlines() if line.startswith("run: ")]
    assert said == [
        f"run: on the local server of lakehouse run --keep-server, port {port}",
        "run: the kept server runs with the settings it started with: local.driver_memory: 4g "
        "(project.yml: 3g); they apply once it restarts (stop it, then `lakehouse run "
        "--keep-server`)",
    ]
    assert "ok bronze.orders " in later.stdout
    assert len(_rows(spark, home / "warehouse", "bronze.orders")) == 200
    assert len(_rows(spark, home / "warehouse", "silver.events")) == 70  # ids 10 to 79
