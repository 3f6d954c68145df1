"""``type: kafka``: a Kafka topic (Apache Spark's connector locally, the runtime's on
Databricks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pipelines.config.streams import KafkaSource
from pipelines.sources.types._streams import MessageStream
from pipelines.sources.types.base import typed_block

if TYPE_CHECKING:
    from pipelines.config.base import Model
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform

__all__ = ["Kafka"]


class Kafka(MessageStream):
    """Runs locally once ``lakehouse jars`` has fetched the connector."""

    model = KafkaSource

    def block_options(self, source: Model, platform: Platform) -> dict[str, str]:
        from pipelines.sources.streams import kafka_options

        return kafka_options(typed_block(source, KafkaSource), platform)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        from pipelines.local.skips import (  # local runs only
            kafka_connector_missing,
            unconfigured_reason,
        )

        return kafka_connector_missing() or unconfigured_reason(
            config, "`lakehouse demo` starts a local Kafka broker for it", environ
        )
