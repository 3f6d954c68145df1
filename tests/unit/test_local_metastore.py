"""The local server's metastore (``pipelines.local.metastore``): served over Thrift inside the
server's JVM, on the loopback interface alone; a port it cannot take is a clear error."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.errors import LakehouseError
from pipelines.local.metastore import serve_metastore
from pipelines.local.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def _listening(port: int) -> list[str]:
    """The local addresses (hex, as the kernel writes them) listening on TCP ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def test_the_catalog_is_served_on_the_loopback_interface_alone(spark: SparkSession) -> None:
    uri = spark.conf.get("spark.hadoop.hive.metastore.uris") or ""
    assert re.fullmatch(r"thrift://127\.0\.0\.1:\d+", uri), uri
    port = int(uri.rsplit(":", 1)[1])
    # 127.0.0.1 (Java binds it as the IPv6 socket ::ffff:127.0.0.1), not a wildcard address
    assert _listening(port) == ["0000000000000000FFFF00000100007F"]
    # and the catalog the sessions see is the one it serves
    spark.sql("CREATE DATABASE IF NOT EXISTS metastore_probe")
    assert "metastore_probe" in {r[0] for r in spark.sql("SHOW DATABASES").collect()}
    spark.sql("DROP DATABASE metastore_probe")


def test_a_port_taken_is_a_clear_error(spark: SparkSession, tmp_path: Path) -> None:
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    assert context is not None  # the server of the session runs in this process
    settings = Settings(tmp_path, tmp_path / "landing", tmp_path / "conf")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LakehouseError) as raised:
            serve_metastore(context, settings, port)
    message = str(raised.value)
    assert message.startswith(f"the local metastore did not start on port {port}: ")
    assert f"Could not create ServerSocket on address /127.0.0.1:{port}." in message
    assert not (tmp_path / "metastore_db").exists()  # failed before Derby was touched
