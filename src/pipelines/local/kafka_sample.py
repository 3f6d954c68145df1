"""A topic's first messages, for ``lakehouse new-source``: read with the Kafka client Spark's
connector uses (``kafka-clients``, from the jars ``lakehouse jars`` fetches), in a small JVM
of our own (py4j), not a Spark session: from the start of every partition, up to a number of
messages, never committing an offset (no consumer group is joined)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.errors import LakehouseError
from pipelines.local.gateway import Gateway, java_message, start_gateway
from pipelines.local.spark import local_jars
from pipelines.sources.rest.paging import text_value
from pipelines.sources.sample import Sample

__all__ = ["sample_topic"]

_JVM = ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
_QUIET_SECONDS = 3.0
"""How long a partition that has messages left may answer nothing before the sample ends."""


def sample_topic(
    options: Mapping[str, str], *, json_values: bool, rows: int, timeout: float = 30.0
) -> Sample:
    """Up to ``rows`` messages of the topic the Spark reader ``options`` subscribe to, from the
    start of each partition: JSON objects as records of their keys (``json_values``), else a
    record holding the ``value``.

    Raises:
        LakehouseError: No jars (``lakehouse jars``), the broker could not be reached, or the
            topic does not exist.
    """
    import pyspark

    jars = local_jars()
    if not any("kafka-clients" in j.name for j in jars):
        raise LakehouseError("no Kafka client jars: run `lakehouse jars`")
    # slf4j and the codecs the client loads are among pyspark's own jars
    classpath = [*jars, Path(pyspark.__file__).parent / "jars" / "*"]
    topic = options["subscribe"]
    where = f"kafka:{topic} at {options['kafka.bootstrap.servers']}"
    properties = {k.removeprefix("kafka."): v for k, v in options.items() if k.startswith("kafka.")}  # fmt: skip # noqa: E501

    def read(jvm: Gateway) -> tuple[list[str | None], bool]:
        return _read(jvm.jvm, properties, topic, rows, timeout, where)

    gateway, (messages, complete) = start_gateway(classpath, _JVM, "the Kafka sampler's JVM", read)
    gateway.stop()
    records, notes = _records(messages, json_values)
    return Sample(
        where=where,
        records=records[:rows],
        text=text_value,
        complete=complete,
        notes=notes,
        normalised=True,
    )


def _records(
    messages: list[str | None], json_values: bool
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if not json_values:
        return [{"value": m} for m in messages], ()
    records, other = [], 0
    for message in messages:
        try:
            parsed = json.loads(message) if message is not None else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            records.append(parsed)
        else:
            other += 1
    notes = (f"{other:,} of {len(messages):,} messages are no JSON object: a run quarantines such messages (unparseable_row)",) if other else ()  # fmt: skip # noqa: E501
    return records, notes


def _read(
    jvm: Any, properties: dict[str, str], topic: str, rows: int, timeout: float, where: str
) -> tuple[list[str | None], bool]:
    from py4j.protocol import Py4JJavaError  # type: ignore[import-untyped]

    given = jvm.java.util.Properties()
    deserializer = "org.apache.kafka.common.serialization.StringDeserializer"
    for key, value in {
        **properties, "key.deserializer": deserializer, "value.deserializer": deserializer,
        "enable.auto.commit": "false", "request.timeout.ms": str(int(timeout * 1000)),
        "default.api.timeout.ms": str(int(timeout * 1000)),
    }.items():  # fmt: skip
        given.setProperty(key, value)
    try:
        consumer = jvm.org.apache.kafka.clients.consumer.KafkaConsumer(given)
    except Py4JJavaError as error:
        raise LakehouseError(f"{where}: {java_message(error)}") from None
    try:
        return _poll(jvm, consumer, topic, rows, where)
    except Py4JJavaError as error:
        raise LakehouseError(f"{where}: {java_message(error)}") from None
    finally:
        consumer.close()


def _poll(
    jvm: Any, consumer: Any, topic: str, rows: int, where: str
) -> tuple[list[str | None], bool]:
    infos = consumer.partitionsFor(topic)
    if infos is None or infos.isEmpty():
        raise LakehouseError(f"{where}: no such topic")
    partitions = jvm.java.util.ArrayList()
    for info in infos:
        partitions.add(jvm.org.apache.kafka.common.TopicPartition(topic, info.partition()))
    consumer.assign(partitions)
    consumer.seekToBeginning(partitions)
    ends = {p.partition(): int(o) for p, o in consumer.endOffsets(partitions).items()}
    messages: list[str | None] = []
    quiet_since = time.monotonic()
    duration = jvm.java.time.Duration.ofMillis(200)

    def left() -> bool:
        return any(consumer.position(p) < ends[p.partition()] for p in partitions)

    while len(messages) <= rows and left():
        batch = consumer.poll(duration)
        if batch.isEmpty():
            if time.monotonic() - quiet_since > _QUIET_SECONDS:
                break
            continue
        quiet_since = time.monotonic()
        messages += [record.value() for record in batch.iterator()]
    return messages, len(messages) <= rows and not left()
