"""Kafka and Event Hubs sources: ``spark.readStream.format("kafka")``, locally and on Databricks.

Event Hubs is read through its namespace's Kafka endpoint (``<namespace>.servicebus.windows.net
:9093``, SASL_SSL, PLAIN, user ``$ConnectionString``), so both types share this reader. Kafka
runs locally with Apache Spark's connector (``lakehouse jars`` fetches it) against any broker,
the demo's and the tests' local one included; Event Hubs only on Databricks. The source type
objects (``pipelines.sources.types.kafka``, ``.eventhubs``) choose the options.

The one difference between the platforms is where the Kafka client's classes live, which the
JAAS login module names: Databricks' runtime shades them (``kafkashaded.org.apache.kafka``),
Apache Spark's connector does not (``pipelines.platform``: ``kafka_client_package``).

A JSON value becomes the declared fields like a JSON file line does (``json_object_fields``):
a value that is not a JSON object (not JSON, an array, a scalar, a tombstone's null) keeps its
text in ``_corrupt_record`` (empty for a tombstone) and lands in quarantine as
``unparseable_row``; undeclared keys go to ``_rescued_data``. The stream's offsets live in its
checkpoint, so a run reads only the messages that came since the last one; before a local run,
``no_new_messages`` asks the broker whether any came at all (``pipelines.ops.up_to_date``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from pipelines.config.model import EventHubsSource, KafkaSource, SourceConfig
from pipelines.secrets import resolve
from pipelines.sources.file_options import CORRUPT_COLUMN, RESCUED_COLUMN
from pipelines.sources.files import json_object_fields

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = [
    "eventhubs_options",
    "kafka_options",
    "no_new_messages",
    "read_stream",
]


def _jaas(platform: Platform, module: str, user: str, password: str) -> str:
    package = platform.kafka_client_package  # JAAS names the module's class
    return f'{package}.common.security.{module} required username="{user}" password="{password}";'


def eventhubs_options(source: EventHubsSource, platform: Platform) -> dict[str, str]:
    """The options of the Kafka reader of an Event Hub on ``platform``, secrets resolved."""
    connection = resolve(source.connection_string, platform)
    options = {
        "kafka.bootstrap.servers": f"{source.namespace}.servicebus.windows.net:9093",
        "subscribe": source.event_hub,
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "PLAIN",
        "kafka.sasl.jaas.config": _jaas(
            platform, "plain.PlainLoginModule", "$ConnectionString", connection
        ),
        "kafka.group.id": source.consumer_group,
    }
    return options | _offsets(source)


def kafka_options(source: KafkaSource, platform: Platform) -> dict[str, str]:
    """The options of the Kafka reader of a topic on ``platform``, secrets resolved."""
    options = {
        "kafka.bootstrap.servers": resolve(source.bootstrap_servers, platform),
        "subscribe": source.topic,
        "kafka.security.protocol": source.security_protocol,
    }
    if source.username is not None and source.password is not None:
        plain = source.sasl_mechanism == "PLAIN"
        module = "plain.PlainLoginModule" if plain else "scram.ScramLoginModule"
        options["kafka.sasl.mechanism"] = source.sasl_mechanism or "PLAIN"
        options["kafka.sasl.jaas.config"] = _jaas(
            platform,
            module,
            resolve(source.username, platform),
            resolve(source.password, platform),
        )
    return options | _offsets(source)


def _offsets(source: KafkaSource | EventHubsSource) -> dict[str, str]:
    options: dict[str, str] = {"startingOffsets": source.starting_offsets}
    if source.max_offsets_per_trigger:
        options["maxOffsetsPerTrigger"] = str(source.max_offsets_per_trigger)
    return options


def read_stream(
    spark: SparkSession, config: SourceConfig, options: Mapping[str, str], *, json_values: bool
) -> DataFrame:
    """Messages as raw rows: the declared fields (JSON values) or the whole value as text,
    plus lineage: ``_source_file`` names topic, partition and offset (and goes on to silver and
    quarantine), ``_file_modified_at`` is the message's timestamp; bronze also keeps them
    typed (``_kafka_topic``, ``_kafka_partition``, ``_kafka_offset``) with the key as text
    (``_kafka_key``)."""
    stream = spark.readStream.format("kafka").options(**options).load()
    value = F.col("value").cast("string")
    names = [c.name for c in config.columns]
    if json_values:
        parsed = stream.withColumn("_map", F.from_json(value, "map<string,string>"))
        rows = json_object_fields(parsed, F.coalesce(value, F.lit("")), names)
        fields = [*names, CORRUPT_COLUMN, RESCUED_COLUMN]
    else:
        others = {n: F.lit(None).cast("string") for n in names[1:]}
        rows = stream.withColumns({names[0]: value, **others})
        fields = names
    origin = F.format_string("kafka:%s partition %d offset %d", "topic", "partition", "offset")
    return rows.select(
        *fields,
        origin.alias("_source_file"),
        F.col("timestamp").alias("_file_modified_at"),
        F.col("topic").alias("_kafka_topic"),
        F.col("partition").alias("_kafka_partition"),
        F.col("offset").alias("_kafka_offset"),
        F.col("key").cast("string").alias("_kafka_key"),
    )


def no_new_messages(
    spark: SparkSession,
    bronze: str,
    options: Mapping[str, str],
    committed: Mapping[str, Mapping[str, int]] | None = None,
) -> bool:
    """Whether the topic holds no message past those ``bronze`` (the stream's own table)
    holds, asked with one batch read of at most one message from there. Where that is:
    ``committed`` (per topic and partition, the next offset the stream would read: its
    checkpoint, ``pipelines.sources.checkpoints.committed_offsets``), else the newest
    offset per partition in the table (``_kafka_partition``, ``_kafka_offset``), a query whose
    cost grows with the topic's history.

    False (so the stream runs and decides itself) whenever the answer is not certain: no table
    or no row yet, a partition the stream has never seen (the read then refuses the offsets),
    or a broker that does not answer.
    """
    topic = options.get("subscribe")
    if not topic or not spark.catalog.tableExists(bronze):
        return False
    probe = {k: v for k, v in options.items() if k not in {"startingOffsets", "maxOffsetsPerTrigger"}}  # fmt: skip # noqa: E501
    try:
        if committed is not None and set(committed) == {topic}:
            after = json.dumps({topic: dict(committed[topic])})
        else:
            seen = spark.sql(
                f"SELECT _kafka_partition, max(_kafka_offset) FROM {bronze} GROUP BY 1"
            ).collect()
            if not seen:
                return False
            after = json.dumps({topic: {str(partition): last + 1 for partition, last in seen}})
        newer = (
            spark.read.format("kafka").options(**probe)
            .option("startingOffsets", after).option("endingOffsets", "latest")
            .option("failOnDataLoss", "false").load()
        )  # fmt: skip
        return newer.limit(1).count() == 0
    except Exception:  # not certain: let the stream read whatever is there
        return False
