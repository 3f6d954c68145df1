"""The local Spark Connect session: one per process, with the lakehouse's static confs.

Static confs (Hive catalog, warehouse, metastore) cannot be set on a running session (and not in
a pipeline spec: CANNOT_MODIFY_STATIC_CONFIG), so we start the Spark Connect server ourselves,
on a free loopback port, with every static conf given at launch. The pipeline API then talks to
it like ``spark-pipelines`` does.
"""

from __future__ import annotations

import atexit
import os
import re
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlparse

from pipelines.config.model import LocalSettings
from pipelines.errors import LakehouseError
from pipelines.local.jvm_cache import ClassCache, class_cache
from pipelines.local.maven import SPARK_EXTRAS, fetched
from pipelines.local.metastore import Metastore, derby_url, metastore_uri, serve_metastore
from pipelines.local.ports import free_port
from pipelines.local.settings import Settings
from pipelines.local.warm import WarmServer, jvm_settings, publish, retitle, withdraw

if TYPE_CHECKING:
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

__all__ = [
    "STRAY_LOG",
    "StartingSession",
    "classic_context",
    "delta_confs",
    "keep_server",
    "local_jars",
    "local_session",
    "remote_session",
    "spark_confs",
    "start_local_session",
    "stop_session",
    "stray_output_to_log",
    "table_format",
]

_SESSION: SparkSession | None = None
_STARTING: StartingSession | None = None
_CACHE = ClassCache()
_PUBLISHED: Path | None = None
"""This process's server's state file (``pipelines.local.warm``)."""
_METASTORE: Metastore | None = None
"""The metastore served in this process's server's JVM (``pipelines.local.metastore``)."""
_LOG4J = Path(__file__).with_name("log4j2.properties")


def spark_confs(
    settings: Settings, local: LocalSettings, port: int, java_options: Sequence[str] = ()
) -> dict[str, str]:
    """Every conf a local lakehouse server starts with (``java_options``: the JVM's extra, before
    the project's ``local.java_options``)."""
    java_opts = " ".join(
        [
            f"-Dlog4j.configurationFile={_LOG4J}",
            f"-Dlakehouse.log.dir={settings.logs}",
            *java_options,
            *local.java_options,
        ]
    )
    # UTC like the session: JDBC timestamps (watermarks) then read and print back unchanged.
    java_opts += " -Duser.timezone=UTC"
    confs = {
        "spark.app.name": "lakehouse",
        "spark.master": f"local[{local.cores or '*'}]",
        "spark.driver.memory": local.driver_memory,
        "spark.driver.extraJavaOptions": java_opts,
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": "localhost",
        # Loopback only: a laptop's lakehouse is nobody else's business.
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(settings.warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": derby_url(settings),
        "spark.sql.shuffle.partitions": str(local.shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # A streaming table appends files behind the catalog's back; a cached relation would
        # let the materialized views downstream read a stale file list in the same run.
        "spark.sql.filesourceTableRelationCacheSize": "0",
        # The engine polls its streams' state every second by default: a phase then idles up
        # to a second after its last flow ended, every phase. 100 ms cut small runs by a third.
        "spark.sql.pipelines.execution.streamstate.pollingInterval": "100ms",
        # A glob matching more than 32 files (a source's daily files, `orders/*.csv`) is listed
        # by a Spark job of one task per file (parallel partition discovery, meant for a
        # cluster's remote storage), as the stream is defined and again in every batch: on one
        # machine that is about 1 s per listing at 365 files, growing with history, for a
        # listing the driver does in 0.06 s (BENCHMARKS.md, session 33). List in the driver.
        "spark.sql.sources.parallelPartitionDiscovery.threshold": str(_LIST_IN_DRIVER),
        # Python workers (Python data sources, UDFs) use this interpreter: the one with our
        # dependencies (pyarrow), not whatever `python3` is first on PATH.
        "spark.pyspark.python": sys.executable,
    }
    jars = local_jars()
    if jars:
        confs["spark.driver.extraClassPath"] = _class_path(jars)
    if local.table_format == "delta" and _has_delta(jars):
        confs.update(_DELTA_CONFS)
    return confs


_LIST_IN_DRIVER = 2**31 - 1  # paths before a listing becomes a Spark job: never, locally

_DELTA_CONFS = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # As on Databricks: a table created without a format is Delta (pipelines.register).
    "spark.sql.sources.default": "delta",
    # Delta rebuilds a table's state from its log in 50 partitions by default: on a laptop's
    # small logs that is 50 tasks per read and write (a 1,000-row count took 3 s, 0.6 s with 1).
    "spark.databricks.delta.snapshotPartitions": "1",
}


def local_jars() -> list[Path]:
    """The jars the local server adds to pyspark's: the fetched set, then ``$LAKEHOUSE_JARS``.

    ``$LAKEHOUSE_JARS`` is a folder of extra jars (another database's JDBC driver, or Delta
    copied by hand onto a machine that cannot fetch).
    """
    jars = fetched(SPARK_EXTRAS)
    extra = os.environ.get("LAKEHOUSE_JARS", "")
    if extra:
        jars.extend(sorted(Path(extra).expanduser().glob("*.jar")))
    return jars


def delta_confs() -> dict[str, str]:
    """The confs that give a classic local session Delta as the lakehouse's server has it
    (the fetched jars included); empty when the jars are not there."""
    jars = local_jars()
    if not _has_delta(jars):
        return {}
    return {"spark.driver.extraClassPath": _class_path(jars), **_DELTA_CONFS}


def _class_path(jars: Sequence[Path]) -> str:
    """The jars on the driver's own class path, not ``spark.jars``: a thread whose context class
    loader is the JVM's (the Thrift server's, for ``lakehouse serve``) sees them too
    (NoClassDefFoundError on Delta's classes otherwise), and the JVM's class-data archive
    covers them (``pipelines.local.jvm_cache``). Locally the executors are the driver's threads."""
    return os.pathsep.join(str(j) for j in jars)


def _has_delta(jars: Sequence[Path]) -> bool:
    return any(j.name.split("__", 1)[-1].startswith("delta-spark") for j in jars)


def table_format(spark: SparkSession, local: LocalSettings, *, where: str = "local") -> str:
    """The format a run writes: ``local.table_format``, or Parquet when the engine has no Delta.

    Delta is the default and what Databricks writes; an engine without it (a machine that could
    not fetch the jars, a remote server without Delta) gets Parquet and one line saying why,
    never a failure.
    """
    if local.table_format != "delta":
        return local.table_format
    extensions = spark.conf.get("spark.sql.extensions", "") or ""
    if "DeltaSparkSessionExtension" in extensions:
        return "delta"
    why = (
        f"the Delta jars are not in {SPARK_EXTRAS.folder} (`lakehouse jars` fetches them; it "
        "needs the network once)"
        if where == "local"
        else f"the Spark Connect server at {where} has no Delta Lake (spark.sql.extensions)"
    )
    print(f"note: tables are Parquet, not Delta: {why}", file=sys.stderr)
    return "parquet"


def local_session(settings: Settings, local: LocalSettings) -> SparkSession:
    """The process's Spark Connect session, started on first use."""
    return start_local_session(settings, local).session()


class StartingSession:
    """A local server starting in the background; ``session()`` waits for it and connects.

    The server's JVM takes seconds to start, and so do the Python imports of a run (Spark
    Connect's client brings pandas, pyarrow and gRPC): started first, the two overlap.
    """

    def __init__(self, start: Callable[[], int]) -> None:
        self._port: int | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._launch, args=(start,), daemon=True)
        self._thread.start()

    def _launch(self, start: Callable[[], int]) -> None:
        try:
            self._port = start()
        except BaseException as exc:  # handed to the caller by session()
            self._error = exc

    def session(self) -> SparkSession:
        """The Spark Connect session of the started server (raises what starting it raised)."""
        global _SESSION  # noqa: PLW0603 - one server per process is the point
        self._thread.join()
        if self._error is not None:
            raise self._error
        if _SESSION is None or getattr(_SESSION, "is_stopped", False):
            from pyspark.sql.connect.session import SparkSession as ConnectSession

            # pyspark.sql.functions dispatch to Spark Connect when this is set (as `--remote`).
            os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                remote = ConnectSession.builder.remote(f"sc://localhost:{self._port}")
                _SESSION = cast("SparkSession", remote.getOrCreate())
        return _SESSION


def start_local_session(
    settings: Settings, local: LocalSettings, java_options: Sequence[str] = ()
) -> StartingSession:
    """Start the process's local server in the background (once); see ``StartingSession``.
    ``java_options``: the JVM's own for this start (``pipelines.local.jit``)."""
    global _STARTING  # noqa: PLW0603
    if _STARTING is not None and not getattr(_SESSION, "is_stopped", False):
        return _STARTING  # started, or starting
    # Imported here, before the thread starts: a module imported by two threads at once can
    # come out half-initialised.
    import pyspark
    from pyspark import SparkConf
    from pyspark.sql import SparkSession as ClassicSession

    settings.logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # A token from the environment is the user's own: never written to a state file.
    drawn = None
    if "SPARK_CONNECT_AUTHENTICATE_TOKEN" not in os.environ:
        drawn = os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = str(uuid.uuid4())
    # The server's Python planners (Python data sources) read the interpreter from the
    # environment, not from spark.pyspark.python: give them ours (it has pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    global _CACHE  # noqa: PLW0603
    _CACHE = class_cache(Path(pyspark.__file__).parent, extra=local_jars())
    if _CACHE.writing is not None:
        atexit.register(stop_session)  # the archive is written as the JVM exits: let it
    confs = spark_confs(settings, local, port, [*_CACHE.options, *java_options])
    # The catalog's metastore served in the server's JVM (pipelines.local.metastore).
    metastore_port = free_port()
    confs["spark.hadoop.hive.metastore.uris"] = metastore_uri(metastore_port)
    conf = SparkConf().setAll(list(confs.items()))
    jvm = jvm_settings(local)

    def start() -> int:
        global _METASTORE  # noqa: PLW0603
        context = classic_context(conf)
        stray_output_to_log(context, settings.logs)
        _METASTORE = serve_metastore(context, settings, metastore_port)
        ClassicSession(context)
        server = WarmServer("lakehouse", port, drawn, os.getpid(), None, time.time(), jvm)
        _publish(settings, server)
        return port

    _STARTING = StartingSession(start)
    return _STARTING


def classic_context(conf: SparkConf) -> SparkContext:
    """``SparkContext.getOrCreate(conf)``: the JVM of a server this process starts.

    Inherited from a parent process that is itself a Spark Connect client (a notebook, a
    script, a benchmark starting ``lakehouse run``), ``SPARK_CONNECT_MODE_ENABLED`` makes
    pyspark refuse to create it (CONTEXT_UNAVAILABLE_FOR_REMOTE_CLIENT): it goes, and this
    process's own client session sets it again once the server is up
    (``StartingSession.session``).
    """
    from pyspark import SparkContext

    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    return SparkContext.getOrCreate(conf)


STRAY_LOG = "jvm-stderr.log"
"""What the engine's JVM prints to its standard error once it started (``stray_output_to_log``)."""


def stray_output_to_log(context: SparkContext, logs: Path) -> None:
    """Send the started JVM's ``System.err`` to ``<logs>/jvm-stderr.log``.

    Some of the engine's output bypasses log4j: an exception that escapes a background task
    is printed there, e.g. Spark Connect's ``STREAM_LIFECYCLE_EVENT_SEND_AFTER_SHUTDOWN`` when
    a pipeline's last event comes after its run ended (``pipelines.events``), a Java stack
    trace in the middle of ``lakehouse demo``'s summary. What the JVM prints while it starts
    still reaches the terminal, and so do log4j's FATAL lines (its console appender keeps the
    stream it opened).
    """
    jvm = context._jvm
    assert jvm is not None
    logs.mkdir(parents=True, exist_ok=True)
    sink = jvm.java.io.FileOutputStream(str(logs / STRAY_LOG), True)
    jvm.java.lang.System.setErr(jvm.java.io.PrintStream(sink, True, "UTF-8"))


def _publish(settings: Settings, server: WarmServer) -> None:
    """Say that this server is up, for ``lakehouse sql`` (``pipelines.local.warm``)."""
    global _PUBLISHED  # noqa: PLW0603
    try:
        _PUBLISHED = publish(settings.home, server)
    except OSError:  # a home it cannot write: nobody reuses this server, nothing else changes
        _PUBLISHED = None


def keep_server() -> None:
    """Say in this process's state file that its server is kept for others: later local runs
    of the home run on it (``pipelines.cli.run``), as ``lakehouse sql`` does."""
    if _PUBLISHED is not None:
        retitle(_PUBLISHED, "kept")


def remote_session(url: str, *, timeout: float = 10.0) -> SparkSession:
    """A session on an existing Spark Connect server (``sc://HOST:PORT``), started by someone else.

    The token, when the server wants one, comes from the URL (``sc://localhost:15002/;token=T``)
    or, better (it stays out of the process list), from ``$SPARK_CONNECT_AUTHENTICATE_TOKEN``.
    pyspark sends a token without TLS only to the host spelled ``localhost``; any other host
    needs ``use_ssl=true``.

    Raises:
        LakehouseError: The URL is not an ``sc://`` URL or nothing listens at its address
            (checked with a plain TCP connect first, since the gRPC client would retry for
            minutes before failing).
    """
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    parsed = urlparse(url)
    try:
        port = parsed.port or 15002
    except ValueError:  # "sc://host:15002;token=T": parameters belong after a slash
        port = 0
    if parsed.scheme != "sc" or not parsed.hostname or not port:
        raise LakehouseError(
            f"--remote expects sc://HOST:PORT (parameters after a slash: "
            f"sc://HOST:PORT/;token=T), got {_redact(url)!r}"
        )
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise LakehouseError(
            f"cannot reach the Spark Connect server at {parsed.hostname}:{port}: {exc}"
        ) from None
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = ConnectSession.builder.remote(url).getOrCreate()
    return cast("SparkSession", session)


def stop_session() -> None:
    """Stop the session and the local server behind it."""
    global _SESSION, _STARTING, _CACHE, _PUBLISHED, _METASTORE  # noqa: PLW0603
    from pyspark import SparkContext

    _STARTING = None
    if _PUBLISHED is not None:
        withdraw(_PUBLISHED)
        _PUBLISHED = None
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None
    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    if _METASTORE is not None:
        _METASTORE.stop()
        _METASTORE = None
    cache, _CACHE = _CACHE, ClassCache()
    if cache.writing is not None:  # this JVM writes the class archive: let it exit, keep it
        cache.finish(getattr(SparkContext._gateway, "proc", None))
        SparkContext._gateway = None
        SparkContext._jvm = None


def _redact(url: str) -> str:
    """``url`` without its token value, for error messages."""
    return re.sub(r"(token=)[^;]*", r"\1***", url)
