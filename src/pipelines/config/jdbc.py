"""Database tables read over JDBC: full snapshot or incremental by a watermark column."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Identifier, Model
from pipelines.config.credentials import USE_SECRET, is_credential_name, refuse_url_credential
from pipelines.config.secrets import SecretOrText, SecretRef

__all__ = ["JdbcIncremental", "JdbcOption", "JdbcPartitioning", "JdbcSource", "LocalRun"]

JdbcOption = str | int | bool | SecretRef
"""A reader option: literal, or a secret (resolved when the source is read)."""

LocalRun = Literal["required", "if_configured"]
"""Locally, ``if_configured`` skips the source (saying why) while its secrets are not set."""

_WATERMARK_TYPES = ("timestamp", "date", "int", "bigint", "smallint", "tinyint")


class JdbcIncremental(Model):
    """Read only rows whose watermark column is newer than the newest one already ingested."""

    column: Identifier = Field(description="a declared column, e.g. updated_at")
    keep_extracts: int = Field(
        1,
        ge=1,
        le=100,
        description="extract folders kept once bronze ingested them (they hold raw PII); "
        "the newest one with rows always stays: it carries the watermark",
    )


class JdbcPartitioning(Model):
    """Split the read into ``num_partitions`` ranges of a numeric, date or timestamp column.

    The bounds only decide the ranges' width; rows outside them are still read.
    """

    column: Identifier
    lower_bound: int | str
    upper_bound: int | str
    num_partitions: int = Field(gt=1, le=512)


class JdbcSource(Model):
    """A table (or a query) of a database, through Spark's JDBC reader."""

    type: Literal["jdbc"]
    url: SecretOrText = Field(description="jdbc:postgresql://host:5432/db, or a secret holding it")
    table: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$"
    )
    query: str | None = Field(None, min_length=1, description="a SELECT, instead of table")
    driver: str = "org.postgresql.Driver"
    user: SecretOrText | None = None
    password: SecretRef | None = Field(None, description="always a secret")
    incremental: JdbcIncremental | None = None
    partitioning: JdbcPartitioning | None = None
    fetch_size: int = Field(1000, gt=0)
    options: dict[str, JdbcOption] = Field(
        default_factory=dict, description="reader options; a credential only as a secret"
    )
    local_run: LocalRun = "required"

    @field_validator("password", mode="before")
    @classmethod
    def _secret_only(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("must name a secret, {secret: <scope>/<key>}, never hold the password")
        return value

    @model_validator(mode="after")
    def _table_or_query(self) -> JdbcSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of table or query")
        return self

    @field_validator("url")
    @classmethod
    def _no_credential_in_url(cls, value: SecretOrText) -> SecretOrText:
        refuse_url_credential(value, " for the URL, or source.password")
        return value

    @field_validator("options")
    @classmethod
    def _no_credentials(cls, value: dict[str, JdbcOption]) -> dict[str, JdbcOption]:
        for key, option in value.items():
            if key.lower() in {"password", "user", "url"}:
                raise ValueError(f"'{key}' belongs in source.{key.lower()} (a secret)")
            if is_credential_name(key) and not isinstance(option, SecretRef):
                raise ValueError(f"'{key}' carries a credential: {USE_SECRET}")
        return value

    def column_problem(self, types: dict[str, str]) -> str | None:
        """What is wrong with the watermark column given the declared columns, if anything."""
        if self.incremental is None:
            return None
        column = self.incremental.column
        if column not in types:
            declared = ", ".join(types)
            return f"source.incremental.column: '{column}' is not a declared column ({declared})"
        if not (types[column] in _WATERMARK_TYPES or types[column].startswith("decimal")):
            allowed = ", ".join((*_WATERMARK_TYPES, "decimal"))
            return (
                f"source.incremental.column: '{column}' is declared {types[column]}; "
                f"a watermark needs an ordered type ({allowed})"
            )
        return None
