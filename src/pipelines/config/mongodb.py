"""MongoDB collections (scenario D's document stores), read through a Python data source."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pipelines.config.base import Model
from pipelines.config.credentials import refuse_url_credential
from pipelines.config.jdbc import LocalRun
from pipelines.config.record_fields import RecordFields, fields_problem
from pipelines.config.secrets import SecretOrText

__all__ = ["MongoIncremental", "MongoSource"]

_SCHEMES = ("mongodb://", "mongodb+srv://")


class MongoIncremental(Model):
    """What orders a stream's new documents: each run reads those whose ``field`` is greater
    than the greatest one it read before (kept in the stream's checkpoint)."""

    field: str = Field(
        "_id",
        min_length=1,
        description="a top-level field that only grows as documents are added or changed: "
        "_id (an ObjectId, in insertion order per client), a counter or an updated_at",
    )

    @field_validator("field")
    @classmethod
    def _top_level(cls, value: str) -> str:
        if value.startswith("$") or "." in value:
            raise ValueError(f"must name a top-level field, not '{value}'")
        return value


class MongoSource(Model):
    """The documents of one collection, kept raw in bronze (declared top-level fields as text,
    the whole document as relaxed extended JSON in ``_record``)."""

    type: Literal["mongodb"]
    uri: SecretOrText = Field(
        description="the connection string (mongodb:// or mongodb+srv://), or a secret holding "
        "it: a string with a user's password is only ever a secret"
    )
    database: str = Field(min_length=1, description="the database holding the collection")
    collection: str = Field(min_length=1)
    filter: dict[str, Any] = Field(
        default_factory=dict,
        description="a query document (extended JSON: {$date: ...}, {$oid: ...}) selecting the "
        "documents read, e.g. {status: active}",
    )
    fields: RecordFields
    mode: Literal["snapshot", "stream"] = Field(
        "snapshot",
        description="snapshot: each run reads every matching document afresh; stream: only "
        "those whose incremental.field grew past the last run's",
    )
    incremental: MongoIncremental = MongoIncremental()
    partitions: int = Field(
        1,
        ge=1,
        le=64,
        description="read in this many _id ranges at once, one Python worker each (a snapshot, "
        "or each batch of a stream)",
    )
    batch_size: int = Field(1000, gt=0, le=100_000, description="documents per server round trip")
    timeout_seconds: float = Field(30.0, gt=0, le=600, description="server selection and socket")
    local_run: LocalRun = "required"

    @field_validator("uri")
    @classmethod
    def _scheme(cls, value: SecretOrText) -> SecretOrText:
        if isinstance(value, str) and not value.startswith(_SCHEMES):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("uri")
    @classmethod
    def _no_credential_in_uri(cls, value: SecretOrText) -> SecretOrText:
        refuse_url_credential(value, " holding the whole connection string")
        return value

    def column_problem(self, types: dict[str, str]) -> str | None:
        """What is wrong with ``fields`` given the declared columns, if anything."""
        return fields_problem(self.fields, types)

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        bad = sorted({c for c in value if c in '/\\. "$'})
        if bad:
            raise ValueError(f"'{value}' is not a MongoDB database name (holds {' '.join(bad)!r})")
        return value

    @field_validator("collection")
    @classmethod
    def _collection(cls, value: str) -> str:
        if "$" in value or value.startswith("system."):
            raise ValueError(f"'{value}' is not a collection to read ($ or system.)")
        return value
