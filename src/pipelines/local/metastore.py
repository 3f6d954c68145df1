"""The local server's Hive metastore, served on the loopback interface inside the server's JVM.

Spark's embedded metastore (``hive.metastore.uris`` empty) runs Hive's metastore handler on
the calling thread, and that handler keeps its database session per thread: every new thread
builds one, a ``HiveConf`` (Hadoop's and Hive's default XML parsed again) and a DataNucleus
store that runs its own test queries against Derby. Spark Connect runs each operation on a
new thread, so every query that touches the catalog paid that. A flight recording of warm
small-graph runs put 12% of the server's CPU in ``HMSHandler.newRawStoreForConf`` alone and
20% in the metastore handler.

Served over Thrift from a thread pool instead, the handler's threads live as long as their
client's connection: Spark keeps one per session, so the store is built once per session, not
once per operation. Same Derby database, same warehouse, same JVM: nothing else changes for
the catalog. Measured (``benchmarks/warm_runs.py``; BENCHMARKS.md, session 24): with the tests'
engine settings a small graph's runs on one server are 6-12% shorter (the suite's time moved
less than its variance); with the project's own settings a server's first run gains 1-3 s and
later runs differ by less than the noise.

It listens on 127.0.0.1 only, without authentication, as the embedded metastore had none: the
loopback interface is the machine's own, like the Spark Connect port beside it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark import SparkContext

    from pipelines.local.settings import Settings

__all__ = ["LOOPBACK", "Metastore", "derby_url", "metastore_uri", "serve_metastore"]

LOOPBACK = "127.0.0.1"
_START_TIMEOUT = 60.0  # seconds: Derby's first start creates the schema (a few seconds)


def metastore_uri(port: int) -> str:
    """The ``hive.metastore.uris`` value of a metastore served here on ``port``."""
    return f"thrift://{LOOPBACK}:{port}"


def derby_url(settings: Settings) -> str:
    """The JDBC URL of the home's Derby metastore database (created on first use)."""
    return f"jdbc:derby:;databaseName={settings.metastore};create=true"


@dataclass
class Metastore:
    """A Thrift metastore serving in a JVM (``serve_metastore``); ``stop`` ends it."""

    port: int
    server: Any  # org.apache.thrift.server.TThreadPoolServer, through py4j

    def stop(self) -> None:
        """Stop accepting clients (the JVM's other threads go on)."""
        with contextlib.suppress(Exception):  # the JVM may be gone already: nothing to stop
            self.server.stop()


def serve_metastore(sc: SparkContext, settings: Settings, port: int) -> Metastore:
    """Serve the home's metastore on 127.0.0.1:``port`` in ``sc``'s JVM; returns once it
    accepts clients.

    Raises:
        LakehouseError: it did not start (its cause, e.g. the port taken or Derby's lock
            held by another process on the same home).
    """
    jvm: Any = sc._jvm  # the one handle on the server's JVM there is
    conf = jvm.org.apache.hadoop.hive.conf.HiveConf()
    settings_of = {
        "javax.jdo.option.ConnectionURL": derby_url(settings),
        "hive.metastore.warehouse.dir": settings.warehouse.resolve().as_uri(),
        # What Spark sets for its embedded metastore (read from its client's conf): create the
        # schema in a new database, do not insist on Hive's version record (an older home's
        # database is Spark's own).
        "datanucleus.schema.autoCreateAll": "true",
        "hive.metastore.schema.verification": "false",
        # Spark's too: Hive's default pool (BoneCP) is not among Spark's jars. Dropping a
        # database opens a pool for Hive's transaction tables; BoneCP's absence killed the
        # handler's thread, and the client's retry then found the database gone.
        "datanucleus.connectionPoolingType": "DBCP",
        "hive.metastore.uris": "",
    }
    for key, value in settings_of.items():
        conf.set(key, value)
    try:
        server = _thrift_server(jvm, conf, port)
    except Exception as exc:  # py4j's error of the JVM's (Derby's lock, the port taken)
        raise LakehouseError(f"the local metastore did not start on port {port}: {exc}") from exc
    failure: list[BaseException] = []

    def serve() -> None:  # blocks until stopped, on one of py4j's connections
        try:
            server.serve()
        except Exception as exc:  # handed to the caller below
            failure.append(exc)

    thread = threading.Thread(target=serve, name="lakehouse-metastore", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.isServing():
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            cause = f": {failure[0]}" if failure else ""
            raise LakehouseError(f"the local metastore did not start on port {port}{cause}")
        time.sleep(0.02)
    return Metastore(port, server)


def _thrift_server(jvm: Any, conf: Any, port: int) -> Any:
    """Hive's metastore handler behind a Thrift thread-pool server bound to the loopback
    interface (what ``HiveMetaStore.startMetaStore`` builds, less its wildcard address)."""
    thrift = jvm.org.apache.thrift
    socket = thrift.transport.TServerSocket(jvm.java.net.InetSocketAddress(LOOPBACK, port))
    metastore = jvm.org.apache.hadoop.hive.metastore
    try:
        handler = getattr(metastore, "HiveMetaStore$HMSHandler")("lakehouse metastore", conf, False)
    except Exception:
        socket.close()
        raise
    retrying = metastore.HiveMetaStore.newRetryingHMSHandler(handler, conf, False)
    args = getattr(thrift.server, "TThreadPoolServer$Args")(socket)
    args.processor(getattr(metastore.api, "ThriftHiveMetastore$Processor")(retrying))
    args.protocolFactory(getattr(thrift.protocol, "TBinaryProtocol$Factory")())
    args.transportFactory(thrift.transport.TTransportFactory())
    args.minWorkerThreads(2)
    args.stopTimeoutVal(1)  # seconds a stop waits for its clients' threads
    return thrift.server.TThreadPoolServer(args)
