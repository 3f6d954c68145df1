"""Which server a local ``lakehouse run`` uses, and one run per home at a time
(``pipelines.local.run_lock``, ``pipelines.cli.run``): state files and plain sockets, no Spark.

The real run on a kept server is in ``tests/files/test_crash_safety.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.cli import main
from pipelines.cli.run import _on_kept, _warm_server
from pipelines.local.run_lock import LOCK_FILE, RunLocked, hold_runs
from pipelines.local.settings import Settings
from pipelines.local.warm import WarmServer, find_server, publish, retitle
from tests.conftest import CONF

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

HELD = re.compile(
    r"another lakehouse run is running on (?P<home>\S+) \(process (?P<pid>\d+), started "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): one run at a time per LAKEHOUSE_HOME; wait for it "
    r"to end"
)


def test_a_second_run_on_the_home_is_refused_at_once_naming_the_first(tmp_path: Path) -> None:
    with hold_runs(tmp_path):
        with pytest.raises(RunLocked) as refused, hold_runs(tmp_path):
            pytest.fail("a second holder got the lock")
        held = HELD.fullmatch(str(refused.value))
        assert held is not None, refused.value
        assert (held["home"], int(held["pid"])) == (str(tmp_path), os.getpid())
    with hold_runs(tmp_path):  # released at the block's end
        pass
    assert (tmp_path / LOCK_FILE).read_text() == ""  # no holder named once released


def test_the_lock_of_a_killed_run_is_released_by_its_end(tmp_path: Path) -> None:
    """A SIGKILLed run leaves no lock to clear by hand: the kernel releases ``flock``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from pipelines.local.run_lock import hold_runs\n"
         "with hold_runs(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(600)",
         str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(RunLocked, match=rf"\(process {holder.pid}, started "), hold_runs(tmp_path):
        pass
    holder.kill()
    holder.wait()
    with hold_runs(tmp_path):
        pass


def test_a_run_takes_a_kept_server_and_leaves_a_serve_endpoint_alone(
    tmp_path: Path,
    listening: int,
) -> None:
    settings = Settings(tmp_path, tmp_path / "landing", CONF)
    assert _warm_server(settings) is None  # no server: the run starts its own
    # `lakehouse serve` has a metastore of its own and serves some schemas: not for a run
    publish(tmp_path, WarmServer("serve", listening, "t", os.getpid(), ("gold",), 1.0))
    assert _warm_server(settings) is None
    kept = WarmServer("kept", listening, "t2", os.getpid(), None, 2.0)
    publish(tmp_path, kept)
    assert _warm_server(settings) == kept


def test_a_run_refuses_at_once_a_metastore_held_by_another_process(
    tmp_path: Path,
    listening: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another process's own server (a ``lakehouse sql``, a notebook) holds embedded Derby: a
    server of the run's own would wait on it for minutes, then fail with a traceback."""
    state = publish(tmp_path, WarmServer("lakehouse", listening, "t", os.getpid(), None, 1.0))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(tmp_path))
        env.setenv("LAKEHOUSE_CONF", str(CONF))
        assert main(["run", "--only", "product_catalog"]) == 1
    assert capsys.readouterr().err == (
        f"error: the metastore of {tmp_path} is held by the server of another process (a lakehouse "
        f"run, port {listening}, process {os.getpid()}); embedded Derby admits one process: "
        "stop it, or keep a run's server for both (`lakehouse run --keep-server`)\n"
    )
    # Kept by `run --keep-server` once its run ended, the same server is taken.
    retitle(state, "kept")
    assert json.loads(state.read_text())["kind"] == "kept"
    found = find_server(tmp_path, None)
    assert found is not None
    assert found.described == f"lakehouse run --keep-server, port {listening}"
    assert oct(state.stat().st_mode & 0o777) == "0o600"


def test_the_demo_refuses_a_kept_server(
    tmp_path: Path,
    listening: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    publish(tmp_path, WarmServer("kept", listening, "t", os.getpid(), None, 1.0))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(tmp_path))
        env.setenv("LAKEHOUSE_CONF", str(CONF))
        assert main(["demo"]) == 1
    assert capsys.readouterr().err == (
        f"error: the demo rebuilds {tmp_path} from scratch on a server of its own: stop lakehouse run "
        f"--keep-server, port {listening} (process {os.getpid()}) first\n"
    )
    assert not (tmp_path / "landing").exists()  # refused before it generated anything


@pytest.mark.spark
def test_a_run_on_a_kept_server_takes_its_shuffle_partitions_and_names_what_it_cannot(
    spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    """The session's own setting is set; the JVM's, changed since the server started, said."""
    from pipelines.config.model import LocalSettings
    from pipelines.local.warm import jvm_settings

    started = LocalSettings(driver_memory="4g")
    kept = WarmServer("kept", 1, None, os.getpid(), None, 1.0, jvm_settings(started))
    before = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        _on_kept(spark, kept, started.model_copy(update={"shuffle_partitions": 3}))
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert capsys.readouterr().err == ""  # nothing the JVM took has changed
        _on_kept(spark, kept, LocalSettings(driver_memory="6g", shuffle_partitions=5))
        assert spark.conf.get("spark.sql.shuffle.partitions") == "5"
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", before or "2")
    assert capsys.readouterr().err == (
        "run: the kept server runs with the settings it started with: local.driver_memory: 4g "
        "(project.yml: 6g); they apply once it restarts (stop it, then `lakehouse run "
        "--keep-server`)\n"
    )
