"""What Kafka and Event Hubs share: the Kafka reader and its bronze columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.sources.file_options import CORRUPT_COLUMN, RESCUED_COLUMN
from pipelines.sources.types.base import ExtraColumn, SourceType

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.base import Model
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform
    from pipelines.sources.sample import Sample
    from pipelines.sources.types.base import Echo
    from pipelines.spec import RunContext

__all__ = ["MessageStream"]


class MessageStream(SourceType):
    """Read with ``spark.readStream.format("kafka")`` (``pipelines.sources.streams``)."""

    extra_bronze_columns = (
        ExtraColumn("_kafka_topic", "string", "topic the message was read from"),
        ExtraColumn("_kafka_partition", "int", "its partition"),
        ExtraColumn("_kafka_offset", "bigint", "its offset in the partition"),
        ExtraColumn("_kafka_key", "string", "the message key as text"),
    )

    def read(self, spark: SparkSession, config: SourceConfig, context: RunContext) -> DataFrame:
        from pipelines.sources.streams import read_stream

        options = self.reader_options(config, context.adapter)
        return read_stream(spark, config, options, json_values=_json_values(config))

    def reader_options(self, config: SourceConfig, platform: Platform) -> dict[str, str]:
        """The Kafka reader's options on ``platform``, secrets resolved."""
        return self.block_options(config.source, platform)

    def block_options(self, source: Model, platform: Platform) -> dict[str, str]:
        """``reader_options`` of a ``source:`` block of this type."""
        raise NotImplementedError

    def sample(self, source: Model, platform: Platform, rows: int) -> Sample:
        # Locally only (new-source): the Kafka client the connector uses, in a JVM of its own.
        from pipelines.local.kafka_sample import sample_topic

        options = self.block_options(source, platform)
        json_values = getattr(source, "value_format", None) == "json"  # both models have it
        return sample_topic(options, json_values=json_values, rows=rows)

    def before_run(
        self, spark: SparkSession, config: SourceConfig, context: RunContext, echo: Echo
    ) -> bool:
        # A stream with no new message would still recompute its silver, quarantine and
        # what reads them: ask the broker first (one batch read of at most one message), from
        # where the stream's checkpoint says it stopped.
        from pipelines.sources.checkpoints import committed_offsets
        from pipelines.sources.streams import no_new_messages

        options = self.reader_options(config, context.adapter)
        committed = None
        if context.storage_root:
            committed = committed_offsets(context.storage_root, config.bronze_table)
        return no_new_messages(spark, config.bronze_table, options, committed)

    def corrupt_columns(self, config: SourceConfig) -> list[str]:
        return [CORRUPT_COLUMN] if _json_values(config) else []

    def rescued_columns(self, config: SourceConfig) -> list[str]:
        return [RESCUED_COLUMN] if _json_values(config) else []


def _json_values(config: SourceConfig) -> bool:
    # both models have value_format; the type object is only asked about its own configs
    return getattr(config.source, "value_format", None) == "json"
