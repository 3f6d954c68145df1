"""Message streams: Kafka, and Azure Event Hubs through its namespace's Kafka endpoint.

Both read with Spark's Kafka connector (``pipelines.sources.streams``). Kafka runs locally too
(against the demo's and the tests' local broker); Event Hubs only on Databricks.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Model
from pipelines.config.jdbc import LocalRun
from pipelines.config.secrets import SecretOrText, SecretRef

__all__ = ["EventHubsSource", "KafkaSource"]

StartingOffsets = Literal["earliest", "latest"]
ValueFormat = Literal["json", "text"]
_SERVERS = re.compile(r"^[A-Za-z0-9_.-]+:\d+(,[A-Za-z0-9_.-]+:\d+)*$")


class KafkaSource(Model):
    """A Kafka topic; each message value is one record (JSON fields or the whole text)."""

    type: Literal["kafka"]
    bootstrap_servers: SecretOrText = Field(
        description="host:port[,host:port...], or a secret holding them (they differ per "
        "environment)"
    )
    topic: str = Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")
    starting_offsets: StartingOffsets = "earliest"
    value_format: ValueFormat = "json"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"] = "SASL_SSL"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = "PLAIN"
    username: SecretRef | None = None
    password: SecretRef | None = None
    max_offsets_per_trigger: int | None = Field(None, gt=0)
    local_run: LocalRun = "required"

    @field_validator("bootstrap_servers")
    @classmethod
    def _host_ports(cls, value: SecretOrText) -> SecretOrText:
        if isinstance(value, str) and not _SERVERS.match(value):
            raise ValueError("expected host:port[,host:port...]")
        return value

    @model_validator(mode="after")
    def _sasl_credentials(self) -> KafkaSource:
        sasl = self.security_protocol.startswith("SASL")
        if sasl and (self.username is None or self.password is None):
            raise ValueError(
                f"security_protocol {self.security_protocol} needs username and password (secrets)"
            )
        return self


class EventHubsSource(Model):
    """An Event Hub read through the namespace's Kafka endpoint (port 9093, SASL_SSL/PLAIN)."""

    type: Literal["eventhubs"]
    namespace: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$")
    event_hub: str = Field(pattern=r"^[A-Za-z0-9._-]{1,256}$")
    connection_string: SecretRef = Field(description="the namespace or hub connection string")
    consumer_group: str = "$Default"
    starting_offsets: StartingOffsets = "earliest"
    value_format: ValueFormat = "json"
    max_offsets_per_trigger: int | None = Field(None, gt=0)

    @field_validator("namespace", mode="before")
    @classmethod
    def _bare_name(cls, value: object) -> object:
        if isinstance(value, str) and "." in value:
            raise ValueError("the namespace name only, without .servicebus.windows.net")
        return value
