"""A throwaway MongoDB-compatible server on 127.0.0.1 for the demo and the tests.

mongo-java-server (``de.bwaldvogel``, from the jars ``lakehouse jars`` fetches:
``MONGO_SERVER``) speaks MongoDB's wire protocol over an in-memory store, so pymongo, the
reader the ``mongodb`` source type uses on Databricks too, talks to it unchanged. It is not
MongoDB: it answers as MongoDB 4.2 and implements the common query and update operators, not
all of them (what it was checked against is in the README). Its jars carry no program that
takes a port, so it runs in a JVM of its own started by py4j (``py4j.GatewayServer``, from
pyspark's jars, with an auth token, ending when this process does), which builds the server
and binds it to a free loopback port.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.errors import LakehouseError
from pipelines.local.gateway import Gateway, start_gateway
from pipelines.local.maven import MONGO_SERVER, fetched

__all__ = ["LocalMongo", "start_mongo"]

_JVM = ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
"""A small heap, the quick JIT tier and the serial collector (as the local Kafka broker's)."""


@dataclass(frozen=True)
class LocalMongo:
    """A running local server; ``stop()`` ends it."""

    port: int
    jvm: Gateway  # the server's JVM
    seconds: float
    """How long it took to start."""

    @property
    def uri(self) -> str:
        """The connection string (loopback, no credentials: the server has no users)."""
        return f"mongodb://127.0.0.1:{self.port}/"

    def insert(self, database: str, collection: str, documents: Sequence[Mapping[str, Any]]) -> int:
        """Insert ``documents`` in order; returns how many."""
        from pymongo import MongoClient

        client: MongoClient[dict[str, Any]] = MongoClient(self.uri, serverSelectionTimeoutMS=10_000)
        with client:
            client[database][collection].insert_many([dict(d) for d in documents])
        return len(documents)

    def stop(self) -> None:
        """End its JVM (in memory: its data goes with it)."""
        self.jvm.stop()


def start_mongo() -> LocalMongo:
    """Start a fresh, empty server; return once it listens.

    Raises:
        LakehouseError: Its jars are not fetched (run ``lakehouse jars``), or it did not start
            (with what the JVM said).
    """
    jars = fetched(MONGO_SERVER)
    if not jars:
        raise LakehouseError(
            f"the MongoDB-compatible server's jars are not in {MONGO_SERVER.folder}: run "
            "`lakehouse jars` (it fetches them once)"
        )
    started = time.monotonic()

    def bind(jvm: Gateway) -> int:
        mongo = jvm.jvm.de.bwaldvogel.mongo
        server = mongo.MongoServer(mongo.backend.memory.MemoryBackend())
        server.bind("127.0.0.1", 0)
        return int(server.getLocalAddress().getPort())

    gateway, bound = start_gateway(jars, _JVM, "local MongoDB-compatible server", bind)
    return LocalMongo(bound, gateway, time.monotonic() - started)
