"""``type: eventhubs``: an Event Hub, through its namespace's Kafka endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pipelines.config.streams import EventHubsSource
from pipelines.sources.types._streams import MessageStream
from pipelines.sources.types.base import typed_block

if TYPE_CHECKING:
    from pipelines.config.base import Model
    from pipelines.config.model import SourceConfig
    from pipelines.platform import Platform

__all__ = ["EVENTHUBS_LOCAL_SKIP", "EventHubs"]

EVENTHUBS_LOCAL_SKIP = (
    "eventhubs sources run on Databricks only: they read through the namespace's Kafka "
    "endpoint with the same Kafka reader that local runs test against a local broker; "
    "`lakehouse validate` checks their config"
)


class EventHubs(MessageStream):
    """The Kafka reader on ``<namespace>.servicebus.windows.net:9093``; Databricks only."""

    model = EventHubsSource

    def block_options(self, source: Model, platform: Platform) -> dict[str, str]:
        from pipelines.sources.streams import eventhubs_options

        return eventhubs_options(typed_block(source, EventHubsSource), platform)

    def local_skip_reason(
        self, config: SourceConfig, environ: Mapping[str, str] | None = None
    ) -> str | None:
        return EVENTHUBS_LOCAL_SKIP
