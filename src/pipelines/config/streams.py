"""Message streams: Kafka and Azure Event Hubs (through its Kafka endpoint), Databricks only."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Model
from pipelines.config.secrets import SecretRef

__all__ = ["EventHubsSource", "KafkaSource"]

StartingOffsets = Literal["earliest", "latest"]
ValueFormat = Literal["json", "text"]


class KafkaSource(Model):
    """A Kafka topic; each message value is one record (JSON fields or the whole text)."""

    type: Literal["kafka"]
    bootstrap_servers: str = Field(pattern=r"^[A-Za-z0-9_.-]+:\d+(,[A-Za-z0-9_.-]+:\d+)*$")
    topic: str = Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")
    starting_offsets: StartingOffsets = "earliest"
    value_format: ValueFormat = "json"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"] = "SASL_SSL"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = "PLAIN"
    username: SecretRef | None = None
    password: SecretRef | None = None
    max_offsets_per_trigger: int | None = Field(None, gt=0)

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
