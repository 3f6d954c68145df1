"""Where a source's rows come from: one model per source type, a union discriminated on ``type``.

A new source type is a new model here plus a member of ``Source``; the reader for it lives in
``pipelines.sources``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from pipelines.config.base import Model
from pipelines.config.jdbc import JdbcSource
from pipelines.config.rest import RestSource
from pipelines.config.streams import EventHubsSource, KafkaSource

__all__ = [
    "EventHubsSource",
    "FileDate",
    "FileSource",
    "JdbcSource",
    "KafkaSource",
    "RestSource",
    "Source",
]


class FileDate(Model):
    """How to read a delivery date from a file name (``product_catalog_20210404.csv``)."""

    regex: str = Field(description="regular expression with one capture group for the date")
    format: str = Field("yyyyMMdd", description="Spark datetime pattern of the captured text")

    @field_validator("regex")
    @classmethod
    def _one_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        if compiled.groups != 1:
            raise ValueError(f"needs exactly one capture group, found {compiled.groups}")
        return value


class FileSource(Model):
    """Files that land under the landing root (Auto Loader on Databricks)."""

    type: Literal["files"]
    path: str = Field(description="folder or glob relative to the landing root")
    format: Literal["csv", "json", "parquet", "xml"] = "csv"
    options: dict[str, str | int | bool] = Field(default_factory=dict)
    file_date: FileDate | None = None
    max_files_per_trigger: int | None = Field(None, gt=0)

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError("must be relative to the landing root, without '..'")
        return value


Source = Annotated[
    FileSource | JdbcSource | RestSource | KafkaSource | EventHubsSource,
    Field(discriminator="type"),
]
"""Every source type; add new ones as members of this union."""
