"""A throwaway Apache Kafka broker on 127.0.0.1 for the demo and the tests (KRaft mode).

Apache Kafka's own broker, from the jars ``lakehouse jars`` fetches (``KAFKA_BROKER``): one JVM
that is broker and controller at once (no ZooKeeper), its storage formatted first like
``kafka-storage format --standalone`` with a random cluster id, in a fresh folder under the
system temp dir, on free loopback ports, PLAINTEXT. ``stop()`` kills it and removes the folder.

Topics are created by their first write (``auto.create.topics.enable``, with ``partitions``
partitions): the broker's jars carry no topic tool, and an admin client would be one more
thing to start.

Messages are produced with Spark's own Kafka writer (``df.write.format("kafka")``) through the
session the run uses anyway: the connector is on the local Spark already, so the demo and the
tests need no Kafka client library in Python, and what writes the topic is the same client
that reads it.
"""

from __future__ import annotations

import base64
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import LakehouseError
from pipelines.local.maven import KAFKA_BROKER, fetched, java_executable
from pipelines.local.ports import free_port

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["LocalKafka", "Message", "start_kafka"]

Message = tuple[str | None, str | None]
"""A message's key and value, as text (either may be null: a null value is a tombstone)."""

_JVM = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""A small heap; the quick JIT tier and the serial collector: it starts faster, and a test
broker never needs the throughput they give up."""
_WARNINGS_ONLY = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
_TIMEOUT = 90.0
_LOG_LINES = 8
_FRAME = re.compile(r"^\s+(at |\.\.\. \d+ more)")


@dataclass(frozen=True)
class LocalKafka:
    """A running local broker; ``stop()`` kills it and deletes its folder."""

    root: Path  # server.properties, the log directory and the broker's log
    port: int
    process: subprocess.Popen[bytes]
    seconds: float
    """How long it took to start (format, start, first answer)."""

    @property
    def bootstrap_servers(self) -> str:
        """Where clients connect (loopback only)."""
        return f"127.0.0.1:{self.port}"

    def produce(self, spark: SparkSession, topic: str, messages: Sequence[Message]) -> int:
        """Append ``messages`` to ``topic`` in order (one writer task); returns how many."""
        frame = spark.createDataFrame(list(messages), "key string, value string").coalesce(1)
        writer = frame.write.format("kafka").option("topic", topic)
        writer.option("kafka.bootstrap.servers", self.bootstrap_servers).save()
        return len(messages)

    def stop(self) -> None:
        """Kill the broker and delete its folder (its data goes with it)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def start_kafka(*, partitions: int = 2, timeout: float = _TIMEOUT) -> LocalKafka:
    """Format and start a fresh broker; return once it answers a request.

    Raises:
        LakehouseError: The broker's jars are not fetched (run ``lakehouse jars``), or it did
            not start (with the tail of its log).
    """
    jars = fetched(KAFKA_BROKER)
    if not jars:
        raise LakehouseError(
            f"Apache Kafka's broker jars are not in {KAFKA_BROKER.folder}: run `lakehouse jars` "
            "(it fetches them once)"
        )
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="lakehouse-kafka-"))
    port, controller = free_port(), free_port()
    properties = root / "server.properties"
    properties.write_text(_server_properties(root / "data", port, controller, partitions))
    java = [java_executable(), *_JVM, "-cp", ":".join(str(j) for j in jars)]
    formatted = subprocess.run(
        [*java, "kafka.tools.StorageTool", "format", "--standalone", "-t", _cluster_id(),
         "-c", str(properties)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if formatted.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        output = formatted.stdout + formatted.stderr
        raise LakehouseError(f"local Kafka: formatting its storage failed: {_tail(output)}")
    log = root / "broker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*java, _WARNINGS_ONLY, "kafka.Kafka", str(properties)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=root,
        )  # fmt: skip
    broker = LocalKafka(root, port, process, 0.0)
    deadline = started + timeout
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            why = "exited" if process.poll() is not None else f"did not answer in {timeout:.0f} s"
            tail = _tail(log.read_text(errors="replace"))
            broker.stop()
            raise LakehouseError(f"local Kafka {why}: {tail}")
        time.sleep(0.2)
    return LocalKafka(root, port, process, time.monotonic() - started)


def _server_properties(data: Path, port: int, controller: int, partitions: int) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data),
        "num.partitions": str(partitions),
        "auto.create.topics.enable": "true",
        # One broker: every internal topic has one replica.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _cluster_id() -> str:
    """Like ``kafka-storage random-uuid``: 16 random bytes, URL-safe base64 (never a leading -)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def _answers(port: int) -> bool:
    """Whether the broker answers an ApiVersions request (a listening socket alone is not
    enough: the broker binds it before it serves requests)."""
    client = b"lakehouse"
    # Request header v1: api key 18 (ApiVersions), version 0, correlation id, client id.
    request = struct.pack(">hhih", 18, 0, 7, len(client)) + client
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(struct.pack(">i", len(request)) + request)
            head = conn.recv(10)
    except OSError:
        return False
    # Response: size, correlation id, error code.
    return len(head) >= 10 and struct.unpack(">iih", head[:10])[1:] == (7, 0)


def _tail(text: str) -> str:
    """The log's last lines, without Java stack frames (the exceptions say why)."""
    lines = [line for line in text.splitlines() if line.strip() and not _FRAME.match(line)]
    return " | ".join(lines[-_LOG_LINES:]) or "(no output)"
