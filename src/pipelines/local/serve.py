"""A local SQL endpoint for BI tools: the Spark Thrift Server (HiveServer2) over the lakehouse.

What a BI user sees is decided by ``src/conf/access.yml``: the endpoint serves one group, and only
the schemas that group reads. The design follows from two facts:

- The lakehouse's embedded Derby metastore admits one process at a time, so the endpoint cannot
  share it with ``lakehouse run``. It gets its own throwaway metastore and warehouse under
  ``$LAKEHOUSE_HOME/serve/<port>/``, wiped at start and at stop.
- The endpoint must not be able to change the lakehouse. At start-up it declares every readable
  table as a *view* over the stored table's files (``SELECT * FROM parquet.`<location>```), found
  by the managed-table layout ``<warehouse>/<schema>.db/<table>``. An ``INSERT`` into a view
  fails, a ``DROP`` drops only the throwaway view, and a schema the group does not read does not
  exist at the endpoint at all. Views read the files at query time, so a later ``lakehouse run``
  shows up without a restart.

The server is started inside a classic (py4j) Spark session with
``HiveThriftServer2.startWithContext``, which lets us run the DDL first; ``spark-submit
--class ...HiveThriftServer2`` has no start-up script hook.

The same session also listens for Spark Connect on another loopback port, with a token of its
own, and says so in a state file (``pipelines.local.warm``): ``lakehouse sql`` on a query of
the served schemas then runs here instead of starting a JVM of its own.

This is a convenience for trying BI tools on a laptop, not a security boundary: the server runs
as the local user, so SQL that names file paths (``parquet.`/path```, ``CREATE TABLE ...
LOCATION``) reaches whatever that user can. On Databricks, Unity Catalog grants are the boundary.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config.model import AccessConfig, LocalSettings
from pipelines.errors import LakehouseError
from pipelines.local.ports import free_port
from pipelines.local.settings import Settings
from pipelines.local.spark import classic_context, spark_confs, stray_output_to_log
from pipelines.local.warm import WarmServer, publish, withdraw

if TYPE_CHECKING:
    from pyspark import SparkContext

__all__ = [
    "LOOPBACK",
    "Endpoint",
    "ServedTable",
    "readable_schemas",
    "serve_confs",
    "served_tables",
    "start_endpoint",
    "stop_endpoint",
]

LOOPBACK = "127.0.0.1"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")  # as config names; skips _temporary


@dataclass(frozen=True)
class ServedTable:
    """One stored table, exposed as a read-only view.

    Attributes:
        schema: Its schema (``gold``).
        name: Its table name.
        location: The table's folder in the lakehouse warehouse.
        format: ``parquet`` or ``delta`` (a ``_delta_log`` folder decides).
    """

    schema: str
    name: str
    location: Path
    format: str

    @property
    def qualified(self) -> str:
        """``schema.name``."""
        return f"{self.schema}.{self.name}"

    def ddl(self) -> str:
        """The view over the table's files."""
        path = str(self.location).replace("`", "``")
        return f"CREATE OR REPLACE VIEW {self.qualified} AS SELECT * FROM {self.format}.`{path}`"


@dataclass(frozen=True)
class Endpoint:
    """A running endpoint: where it listens and what it serves.

    Attributes:
        port: The HiveServer2 port on 127.0.0.1.
        group: The ``access.yml`` group it serves.
        schemas: The schemas that group reads.
        tables: The views it declared.
        skipped: Tables it could not declare, with the reason (e.g. a folder with no data yet).
        home: Its throwaway metastore and warehouse.
        connect_port: Its Spark Connect port on the loopback interface (``lakehouse sql``).
        state: Its state file for ``lakehouse sql`` (None: it could not be written).
    """

    port: int
    group: str
    schemas: tuple[str, ...]
    tables: tuple[ServedTable, ...]
    skipped: tuple[str, ...]
    home: Path
    connect_port: int = 0
    state: Path | None = None

    @property
    def jdbc_url(self) -> str:
        """For JDBC clients (Hive JDBC driver, DBeaver, ...)."""
        return f"jdbc:hive2://{LOOPBACK}:{self.port}/{self.schemas[0]}"

    @property
    def odbc_connection_string(self) -> str:
        """For the Simba Spark ODBC driver (what Power BI's Spark connector uses).

        SparkServerType=3 is the Spark Thrift Server, ThriftTransport=1 SASL, AuthMech=2 a user
        name without password (the server runs with ``hive.server2.authentication=NONE``).
        """
        return (
            f"Driver={{Simba Spark ODBC Driver}};Host={LOOPBACK};Port={self.port};"
            f"Schema={self.schemas[0]};SparkServerType=3;ThriftTransport=1;AuthMech=2;"
            f"UID={self.group}"
        )


def readable_schemas(access: AccessConfig, group: str) -> tuple[str, ...]:
    """The schemas ``group`` reads, per ``access.yml``.

    Raises:
        LakehouseError: The group is unknown or reads nothing.
    """
    groups = {g.name: g for g in access.groups}
    if group not in groups:
        readers = ", ".join(sorted(name for name, g in groups.items() if g.read))
        raise LakehouseError(
            f"unknown group '{group}': access.yml has no such group (groups that read: {readers})"
        )
    if not groups[group].read:
        raise LakehouseError(f"group '{group}' reads no schema in access.yml: nothing to serve")
    return tuple(groups[group].read)


def served_tables(warehouse: Path, schemas: tuple[str, ...]) -> tuple[ServedTable, ...]:
    """The stored tables of ``schemas``, found by the managed-table layout of the warehouse.

    Reading folders rather than the metastore is deliberate: the metastore is locked while a
    ``lakehouse run`` holds it, and the folders are what the views read anyway.
    """
    tables = []
    for schema in schemas:
        folder = warehouse / f"{schema}.db"
        children = sorted(folder.iterdir()) if folder.is_dir() else []
        for child in children:
            if child.is_dir() and _IDENTIFIER.match(child.name):
                fmt = "delta" if (child / "_delta_log").is_dir() else "parquet"
                tables.append(ServedTable(schema, child.name, child, fmt))
    return tuple(tables)


def serve_confs(
    settings: Settings,
    local: LocalSettings,
    port: int,
    home: Path,
    connect: tuple[int, str] | None = None,
) -> dict[str, str]:
    """The endpoint's Spark confs: the lakehouse's, on its own metastore; Spark Connect on
    ``connect`` (port, token) when given, none otherwise."""
    own = Settings(home=home, landing=settings.landing, conf=settings.conf)
    confs = {
        key: value
        for key, value in spark_confs(own, local, port=connect[0] if connect else 0).items()
        if connect or not key.startswith(("spark.connect.", "spark.plugins"))
    }
    if connect:
        confs["spark.connect.authenticate.token"] = connect[1]
    derby_log = f" -Dderby.stream.error.file={home / 'derby.log'}"
    confs.update(
        {
            "spark.app.name": "lakehouse-serve",
            "spark.driver.extraJavaOptions": confs["spark.driver.extraJavaOptions"] + derby_log,
            # Nothing of this Spark listens beyond the loopback interface.
            "spark.driver.bindAddress": LOOPBACK,
            "spark.driver.host": LOOPBACK,
            "spark.hadoop.hive.server2.thrift.bind.host": LOOPBACK,
            "spark.hadoop.hive.server2.thrift.port": str(port),
            "spark.hadoop.hive.server2.transport.mode": "binary",
            "spark.hadoop.hive.server2.authentication": "NONE",
        }
    )
    return confs


def start_endpoint(
    settings: Settings, local: LocalSettings, access: AccessConfig, *, group: str, port: int
) -> Endpoint:
    """Start the Spark Thrift Server on 127.0.0.1:``port`` serving what ``group`` reads.

    Raises:
        LakehouseError: Unknown group, port in use, or no table to serve.
    """
    schemas = readable_schemas(access, group)
    tables = served_tables(settings.warehouse, schemas)
    if not tables:
        raise LakehouseError(
            f"nothing to serve: no table of {', '.join(schemas)} under {settings.warehouse}; "
            "run `lakehouse run` first"
        )
    _check_port_free(port)
    home = settings.home / "serve" / str(port)
    shutil.rmtree(home, ignore_errors=True)  # throwaway: rebuilt from the warehouse every start
    home.mkdir(parents=True)
    connect = (free_port(), secrets.token_urlsafe(24))

    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    context = classic_context(
        SparkConf().setAll(list(serve_confs(settings, local, port, home, connect).items()))
    )
    # A background task's stack trace would land among what the command printed.
    stray_output_to_log(context, settings.logs)
    spark = SparkSession(context)
    for schema in schemas:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    declared, skipped = [], []
    for table in tables:
        try:
            spark.sql(table.ddl())
            declared.append(table)
        except Exception as exc:  # one unreadable folder must not stop the others
            skipped.append(f"{table.qualified}: {_first_line(str(exc))}")
    jvm: Any = context._jvm
    jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2.startWithContext(
        spark._jsparkSession.sqlContext()
    )
    server = WarmServer("serve", connect[0], connect[1], os.getpid(), schemas, time.time())
    try:
        state: Path | None = publish(settings.home, server)
    except OSError:  # lakehouse sql then starts its own server, as before
        state = None
    return Endpoint(port, group, schemas, tuple(declared), tuple(skipped), home, connect[0], state)


def stop_endpoint(endpoint: Endpoint) -> None:
    """Stop the server (it stops with its Spark context) and remove its throwaway state."""
    from pyspark import SparkContext

    active: SparkContext | None = SparkContext._active_spark_context
    if active is not None:
        with warnings.catch_warnings():
            # Ctrl-C in a terminal reaches the JVM too; pyspark then warns it could not stop it.
            warnings.simplefilter("ignore", RuntimeWarning)
            active.stop()
    if endpoint.state is not None:
        withdraw(endpoint.state)
    shutil.rmtree(endpoint.home, ignore_errors=True)


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError as exc:
            raise LakehouseError(
                f"port {port} on {LOOPBACK} is in use ({exc.strerror}); pick another with --port"
            ) from None


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0][:300] if stripped else ""
