"""``lakehouse run --remote`` and ``sql --remote``: the same graph on an existing Spark Connect
server. The test session's own server (started by the ``spark`` fixture) is that server."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.cli import main
from pipelines.demo import generate_catalog
from pipelines.errors import LakehouseError
from pipelines.local.spark import remote_session
from pipelines.local.warm import WarmServer, publish
from pipelines.ops.status import read_status, render_status
from tests.conftest import CONF
from tests.consumption.helpers import LAKEHOUSE, Built, child_env, free_port
from tests.graph.oracle import expected_from

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

COUNTS = """SELECT (SELECT count(*) FROM bronze.product_catalog),
                   (SELECT count(*) FROM silver.product_catalog),
                   (SELECT count(*) FROM quarantine.product_catalog),
                   (SELECT count(*) FROM gold.team_a_products_with_image),
                   (SELECT count(*) FROM gold.team_b_samsung_after_2000_without_image)"""


@pytest.mark.spark
@pytest.mark.graph
def test_run_remote_ingests_a_new_day_on_the_server(
    spark: SparkSession, built: Built, tmp_path: Path
) -> None:
    port = spark.conf.get("spark.connect.grpc.binding.port")
    token = os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"]  # set when the test server started
    more = generate_catalog(tmp_path / "next", rows_per_day=60, days=3)
    third_day = more.files[2]
    third_day.rename(built.landing / "product_catalog" / third_day.name)
    expected = expected_from(built.files)

    # The token in the URL this time; the child has no token in its environment.
    done = subprocess.run(
        [
            LAKEHOUSE, "run", "--only", "product_catalog",
            "--remote", f"sc://localhost:{port}/;token={token}",
            "--storage", built.storage.as_uri(), "--landing", built.landing.as_uri(),
        ],
        env=child_env(LAKEHOUSE_CONF=str(CONF)),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"run \d{8}T\d{6}Z-[0-9a-f]{6}: 5 datasets, incremental", lines[0])
    assert tuple(spark.sql(COUNTS).collect()[0]) == (
        expected.rows, expected.silver, expected.quarantined, expected.team_a, expected.team_b,
    )  # fmt: skip
    # Only the new day was read: the checkpoints on the server's storage root were reused.
    days = spark.sql(
        "SELECT _source_file, count(DISTINCT _run_id) FROM bronze.product_catalog GROUP BY 1"
    ).collect()
    assert len(days) == 3
    assert {row[1] for row in days} == {1}
    assert len({r[0] for r in spark.sql("SELECT DISTINCT _run_id FROM bronze.product_catalog").collect()}) == 2  # fmt: skip


@pytest.mark.spark
def test_sql_remote_with_the_token_in_the_environment(spark: SparkSession, built: Built) -> None:
    port = spark.conf.get("spark.connect.grpc.binding.port")
    token = os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"]
    done = subprocess.run(
        [
            LAKEHOUSE, "sql", "--remote", f"sc://localhost:{port}", "--format", "json",
            "SELECT count(*) AS n FROM gold.team_a_products_with_image",
        ],
        env=child_env(SPARK_CONNECT_AUTHENTICATE_TOKEN=token, LAKEHOUSE_CONF=str(CONF)),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"n": expected_from(built.files).team_a}]


@pytest.mark.spark
@pytest.mark.graph
def test_sql_runs_on_the_local_server_that_is_up(
    spark: SparkSession, built: Built, lakehouse_home: Path
) -> None:
    """The test session's server is a lakehouse's own, as a run's (or one kept by
    ``run --keep-server``): it said so in a state file, and a child ``lakehouse sql`` finds it
    there (its environment has no token) instead of starting a JVM."""
    port = spark.conf.get("spark.connect.grpc.binding.port")
    done = subprocess.run(
        [LAKEHOUSE, "sql", "--format", "json", "SELECT count(*) AS n FROM silver.product_catalog"],
        env=child_env(LAKEHOUSE_HOME=str(lakehouse_home), LAKEHOUSE_CONF=str(CONF)),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, f"sql: on the local server of a lakehouse run, port {port}\n")  # fmt: skip
    assert json.loads(done.stdout) == [{"n": expected_from(built.files).silver}]


@pytest.mark.spark
@pytest.mark.graph
def test_status_runs_on_the_server_that_holds_the_metastore(
    spark: SparkSession, built: Built, lakehouse_home: Path
) -> None:
    """``lakehouse status`` (as ``report``, ``scan-pii``, ``optimize`` and a notebook's
    ``spark_session()``: ``pipelines.local.sessions``) runs on the server that holds the home's
    metastore, not on one of its own that would wait on embedded Derby for minutes."""
    port = spark.conf.get("spark.connect.grpc.binding.port")
    done = subprocess.run(
        [LAKEHOUSE, "status", "--last", "1"],
        env=child_env(LAKEHOUSE_HOME=str(lakehouse_home), LAKEHOUSE_CONF=str(CONF)),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, f"status: on the local server of a lakehouse run, port {port}\n")  # fmt: skip
    assert done.stdout.startswith(render_status(read_status(spark, 1)) + "\n")


@pytest.mark.spark
def test_sql_starts_a_server_of_its_own_when_none_is_up(
    spark: SparkSession, built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A state file whose server does not answer is ignored: the query runs on the process's
    own local server (in this process, the test session's, already started)."""
    home = tmp_path / "home"
    stale = publish(home, WarmServer("lakehouse", free_port(), "t", os.getpid(), None, 1.0))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(home))
        env.setenv("LAKEHOUSE_CONF", str(CONF))
        capsys.readouterr()
        assert main(["sql", "--format", "json", "SELECT count(*) AS n FROM silver.product_catalog"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert (json.loads(out), err) == ([{"n": expected_from(built.files).silver}], "")
    assert stale.exists()  # its process (this one) is alive: ignored, not removed


def test_remote_needs_a_storage_root(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--remote", "sc://localhost:15002"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "lakehouse run: error: --remote needs --storage URI: the checkpoint root on the "
        "server's file system"
    )


def test_storage_without_remote_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--storage", "file:///tmp/x"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "lakehouse run: error: --storage and --landing go with --remote"
    )


def test_remote_url_errors_are_clear_and_hide_the_token() -> None:
    with pytest.raises(LakehouseError) as error:
        remote_session("sc://localhost:15002;token=s3cret")
    assert str(error.value) == (
        "--remote expects sc://HOST:PORT (parameters after a slash: sc://HOST:PORT/;token=T), "
        "got 'sc://localhost:15002;token=***'"
    )
    with pytest.raises(LakehouseError) as error:
        remote_session("http://localhost:15002")
    assert str(error.value).startswith("--remote expects sc://HOST:PORT")


def test_unreachable_server_fails_fast() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(LakehouseError) as error:
        remote_session(f"sc://localhost:{port}")
    assert str(error.value).startswith(
        f"cannot reach the Spark Connect server at localhost:{port}: "
    )
    assert "Connection refused" in str(error.value)
