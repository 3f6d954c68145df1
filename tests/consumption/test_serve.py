"""``lakehouse serve``: a real HiveServer2 endpoint, queried with a real client (PyHive)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import LocalSettings
from pipelines.errors import LakehouseError
from pipelines.local.serve import ServedTable, readable_schemas, serve_confs, served_tables
from pipelines.local.settings import Settings
from tests.conftest import CONF
from tests.consumption.conftest import PII_TABLE
from tests.consumption.helpers import (
    LAKEHOUSE,
    Built,
    child_env,
    free_port,
    serving,
    with_image_by_brand,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEAM_A = "gold.team_a_products_with_image"


@pytest.fixture(scope="module")
def endpoint(built: Built) -> Iterator[tuple[int, Path, int]]:
    """One server (1g driver, loopback only) for the module, stopped at teardown: its port,
    output file and process group."""
    port = free_port()
    with serving(built.home, CONF, port) as (output, group):
        yield port, output, group


def _open_files(group: int) -> set[str]:
    """What the processes of a process group have open (``/proc/<pid>/fd``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            found |= {os.readlink(fd) for fd in (stat.parent / "fd").iterdir()}
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
    return found


@pytest.fixture
def cursor(endpoint: tuple[int, Path, int]) -> Iterator[Any]:
    from pyhive import hive  # type: ignore[import-untyped]  # PyHive ships no type hints

    connection = hive.connect(host="127.0.0.1", port=endpoint[0], username="bi_readers")
    try:
        yield connection.cursor()
    finally:
        connection.close()


def _error(cursor: Any, query: str) -> str:
    from pyhive.exc import OperationalError  # type: ignore[import-untyped]  # no type hints

    with pytest.raises(OperationalError) as error:
        cursor.execute(query)
    return str(error.value)


@pytest.mark.spark
@pytest.mark.graph
def test_serve_prints_what_it_serves_and_how_to_connect(
    endpoint: tuple[int, Path, int], built: Built
) -> None:
    port, output, group = endpoint
    # Every gold table of the shared test lakehouse (other tests may have added some).
    served = sorted(p.name for p in (built.home / "warehouse" / "gold.db").iterdir())
    assert {"team_a_products_with_image", "team_b_samsung_after_2000_without_image"} <= set(served)
    assert output.read_text().splitlines()[-6 - len(served) :] == [
        f"serving gold to bi_readers (read-only views over {built.home}/warehouse)",
        *(f"  gold.{name}" for name in served),
        f"JDBC: jdbc:hive2://127.0.0.1:{port}/gold",
        f"ODBC: Driver={{Simba Spark ODBC Driver}};Host=127.0.0.1;Port={port};Schema=gold;"
        "SparkServerType=3;ThriftTransport=1;AuthMech=2;UID=bi_readers",
        f'PyHive: hive.connect(host="127.0.0.1", port={port}, username="bi_readers")',
        f"lakehouse sql: queries of gold run here (Spark Connect, port {_connect_port(output)})",
        "ready; Ctrl-C to stop",
    ]
    # What its JVM prints outside its logger goes to the log, not among those lines.
    assert str(built.home / "logs" / "jvm-stderr.log") in _open_files(group)


def _connect_port(output: Path) -> int:
    line = next(x for x in output.read_text().splitlines() if x.startswith("lakehouse sql:"))
    return int(line.rstrip(")").rsplit(" ", 1)[1])


@pytest.mark.spark
@pytest.mark.graph
def test_lakehouse_sql_runs_on_the_endpoint_instead_of_starting_a_server(
    endpoint: tuple[int, Path, int], built: Built
) -> None:
    done = subprocess.run(
        [LAKEHOUSE, "sql", "--format", "json", f"SELECT count(*) AS n FROM {TEAM_A}"],
        env=child_env(LAKEHOUSE_HOME=str(built.home), LAKEHOUSE_CONF=str(CONF)),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        0, f"sql: on the local server of lakehouse serve, port {_connect_port(endpoint[1])}\n",
    )  # fmt: skip
    assert json.loads(done.stdout) == [{"n": sum(n for _, n in with_image_by_brand(built.files))}]


@pytest.mark.spark
@pytest.mark.graph
def test_gold_is_readable_with_exact_values(cursor: Any, built: Built) -> None:
    cursor.execute(f"SELECT brand, count(*) FROM {TEAM_A} GROUP BY brand ORDER BY brand")
    assert cursor.fetchall() == with_image_by_brand(built.files)
    cursor.execute("SHOW DATABASES")
    assert cursor.fetchall() == [("default",), ("gold",)]
    cursor.execute(f"DESCRIBE {TEAM_A}")
    assert [row[:2] for row in cursor.fetchall()] == [
        ("brand", "string"), ("category_id", "int"), ("comment", "string"),
        ("currency", "string"), ("description", "string"), ("image", "string"),
        ("year_release", "int"),
    ]  # fmt: skip


@pytest.mark.spark
@pytest.mark.graph
@pytest.mark.parametrize(
    ("table", "quoted"),
    [
        (PII_TABLE, "`bronze_pii`.`customer_contacts`"),
        ("silver.product_catalog", "`silver`.`product_catalog`"),
        ("bronze.product_catalog", "`bronze`.`product_catalog`"),
        ("quarantine.product_catalog", "`quarantine`.`product_catalog`"),
    ],
)
def test_other_schemas_do_not_exist_at_the_endpoint(
    cursor: Any, spark: SparkSession, table: str, quoted: str
) -> None:
    assert spark.read.table(table).count() > 0  # it is there, in the lakehouse
    message = _error(cursor, f"SELECT * FROM {table}")
    assert f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {quoted} cannot be found." in message


@pytest.mark.spark
@pytest.mark.graph
def test_gold_cannot_be_written(cursor: Any, spark: SparkSession) -> None:
    before = spark.read.table(TEAM_A).count()
    message = _error(cursor, f"INSERT INTO {TEAM_A} SELECT * FROM {TEAM_A}")
    assert (
        "[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] 'INSERT' expects a table but "
        "`spark_catalog`.`gold`.`team_a_products_with_image` is a view."
    ) in message
    # Dropping drops the endpoint's own view, never the lakehouse table (last: it empties gold).
    cursor.execute(f"DROP VIEW {TEAM_A}")
    assert spark.read.table(TEAM_A).count() == before > 0


def test_groups_read_what_access_yml_says(config: LakehouseConfig) -> None:
    assert readable_schemas(config.access, "bi_readers") == ("gold",)
    assert readable_schemas(config.access, "data_scientists") == ("silver", "gold")
    with pytest.raises(LakehouseError) as error:
        readable_schemas(config.access, "bi_reader")
    assert str(error.value) == (
        "unknown group 'bi_reader': access.yml has no such group (groups that read: "
        "bi_readers, data_engineers, data_scientists, pii_readers)"
    )
    with pytest.raises(LakehouseError) as error:
        readable_schemas(config.access, "team_a")
    assert str(error.value) == "group 'team_a' reads no schema in access.yml: nothing to serve"


def test_tables_are_found_by_the_warehouse_layout(tmp_path: Path) -> None:
    for folder in ("gold.db/sales", "gold.db/orders/_delta_log", "gold.db/_tmp", "gold.db/Bad-Name", "silver.db/x"):  # fmt: skip
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "gold.db" / "notes.txt").write_text("not a table")

    tables = served_tables(tmp_path, ("gold",))

    assert tables == (
        ServedTable("gold", "orders", tmp_path / "gold.db" / "orders", "delta"),
        ServedTable("gold", "sales", tmp_path / "gold.db" / "sales", "parquet"),
    )
    assert tables[1].ddl() == (
        f"CREATE OR REPLACE VIEW gold.sales AS SELECT * FROM parquet.`{tmp_path}/gold.db/sales`"
    )
    assert served_tables(tmp_path, ("ops",)) == ()


def test_the_endpoint_has_its_own_metastore_and_listens_on_loopback_only(tmp_path: Path) -> None:
    settings = Settings(tmp_path, tmp_path / "landing", CONF)
    confs = serve_confs(
        settings, LocalSettings(driver_memory="1g"), 10001, tmp_path / "serve" / "10001",
        (10002, "t0ken"),
    )  # fmt: skip

    assert confs["spark.hadoop.javax.jdo.option.ConnectionURL"] == (
        f"jdbc:derby:;databaseName={tmp_path}/serve/10001/metastore_db;create=true"
    )
    assert confs["spark.sql.warehouse.dir"] == f"{tmp_path}/serve/10001/warehouse"
    assert {
        k: confs[k] for k in confs if "bind" in k or k.endswith(("thrift.port", "driver.host"))
    } == {
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.hadoop.hive.server2.thrift.bind.host": "127.0.0.1",
        "spark.hadoop.hive.server2.thrift.port": "10001",
        # Spark Connect for `lakehouse sql`, on loopback too, with a token of its own
        "spark.connect.grpc.binding.address": "localhost",
        "spark.connect.grpc.binding.port": "10002",
    }
    assert confs["spark.connect.authenticate.token"] == "t0ken"
    assert confs["spark.driver.memory"] == "1g"
    bare = serve_confs(settings, LocalSettings(), 10001, tmp_path / "serve" / "10001")
    assert not [k for k in bare if k.startswith(("spark.connect.", "spark.plugins"))]
