"""A real Apache Kafka broker (KRaft, 127.0.0.1), started once per test session.

Its jars come from ``lakehouse jars`` (``make install`` and ``make test`` run it); the tests
that need it skip, saying so, only when they are not fetched.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipelines.demo.kafka import LocalKafka, start_kafka
from pipelines.local.maven import KAFKA_BROKER, SPARK_EXTRAS, fetched


@pytest.fixture(scope="session")
def kafka() -> Iterator[LocalKafka]:
    missing = [s.name for s in (KAFKA_BROKER, SPARK_EXTRAS) if not fetched(s)]
    if missing:
        pytest.skip(f"jar set(s) {', '.join(missing)} not fetched: run `lakehouse jars`")
    broker = start_kafka()
    try:
        yield broker
    finally:
        broker.stop()
