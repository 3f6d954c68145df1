"""Kafka and Event Hubs sources: Databricks only.

On Databricks the config maps to ``spark.readStream.format("kafka")`` (Event Hubs through its
namespace's Kafka endpoint). Locally they are validated, then skipped with a message
(``local_skip_reason``): the local Spark has no Kafka connector (``spark-sql-kafka`` comes
from Maven, which this setup does not reach) and no broker to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from pipelines.config.model import EventHubsSource, KafkaSource, SourceConfig
from pipelines.secrets import resolve

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["LOCAL_SKIP_REASON", "kafka_options", "read_stream"]

LOCAL_SKIP_REASON = (
    "{type} sources run on Databricks only: local Spark has no Kafka connector "
    "(spark-sql-kafka comes from Maven); `lakehouse validate` checks their config"
)
_JAAS = (
    'kafkashaded.org.apache.kafka.common.security.{module} required username="{user}" '
    'password="{password}";'
)


def kafka_options(
    source: KafkaSource | EventHubsSource, platform: str = "databricks"
) -> dict[str, str]:
    """The options of the Kafka reader, secrets resolved."""
    if isinstance(source, EventHubsSource):
        connection = resolve(source.connection_string, platform)
        options = {
            "kafka.bootstrap.servers": f"{source.namespace}.servicebus.windows.net:9093",
            "subscribe": source.event_hub,
            "kafka.security.protocol": "SASL_SSL",
            "kafka.sasl.mechanism": "PLAIN",
            "kafka.sasl.jaas.config": _JAAS.format(
                module="plain.PlainLoginModule", user="$ConnectionString", password=connection
            ),
            "kafka.group.id": source.consumer_group,
        }
    else:
        options = {
            "kafka.bootstrap.servers": source.bootstrap_servers,
            "subscribe": source.topic,
            "kafka.security.protocol": source.security_protocol,
        }
        if source.username is not None and source.password is not None:
            plain = source.sasl_mechanism == "PLAIN"
            module = "plain.PlainLoginModule" if plain else "scram.ScramLoginModule"
            options["kafka.sasl.mechanism"] = source.sasl_mechanism or "PLAIN"
            options["kafka.sasl.jaas.config"] = _JAAS.format(
                module=module,
                user=resolve(source.username, platform),
                password=resolve(source.password, platform),
            )
    options["startingOffsets"] = source.starting_offsets
    if source.max_offsets_per_trigger:
        options["maxOffsetsPerTrigger"] = str(source.max_offsets_per_trigger)
    return options


def read_stream(spark: SparkSession, config: SourceConfig, platform: str) -> DataFrame:
    """Messages as raw rows: declared fields (JSON values) or the whole value as text."""
    source = config.source
    assert isinstance(source, KafkaSource | EventHubsSource)
    stream = spark.readStream.format("kafka").options(**kafka_options(source, platform)).load()
    value = F.col("value").cast("string")
    names = [c.name for c in config.columns]
    if source.value_format == "json":
        schema = StructType([StructField(n, StringType()) for n in names])
        parsed = F.from_json(value, schema)
        fields = [parsed[n].alias(n) for n in names]
    else:
        fields = [value.alias(names[0]), *[F.lit(None).cast("string").alias(n) for n in names[1:]]]
    origin = F.format_string("kafka:%s partition %d offset %d", "topic", "partition", "offset")
    return stream.select(
        *fields, origin.alias("_source_file"), F.col("timestamp").alias("_file_modified_at")
    )
