"""Where a source's rows come from: one model per source type, a union discriminated on ``type``.

A new source type is its model (here or in a module of its own) plus a member of ``Source``,
and its object in ``pipelines.sources.types`` (README, "Adding a source type").
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from pipelines.config.base import Model
from pipelines.config.file_formats import CsvOptions, JsonOptions, XlsxOptions, XmlOptions
from pipelines.config.jdbc import JdbcSource
from pipelines.config.mongodb import MongoSource
from pipelines.config.rest import RestSource
from pipelines.config.streams import EventHubsSource, KafkaSource

__all__ = [
    "FORMAT_BLOCKS",
    "EventHubsSource",
    "FileDate",
    "FileSource",
    "JdbcSource",
    "KafkaSource",
    "MongoSource",
    "RestSource",
    "SchemaDrift",
    "Source",
]

SchemaDrift = Literal["rescue", "evolve", "fail"]
FORMAT_BLOCKS = ("csv", "json", "xml", "xlsx")
"""Formats with a typed options block of the same name."""


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
    """Files that land under the landing root (Auto Loader on Databricks).

    Text files ending in ``.gz`` are decompressed on the fly. ``schema_drift`` decides what
    happens to columns the contract does not declare: ``rescue`` keeps them in
    ``_rescued_data``, ``evolve`` adds them as string columns, ``fail`` stops the run.
    """

    type: Literal["files"]
    path: str = Field(description="folder or glob relative to the landing root")
    format: Literal["csv", "json", "parquet", "xml", "xlsx"] = "csv"
    csv: CsvOptions | None = None
    json_: JsonOptions | None = Field(None, alias="json")
    xml: XmlOptions | None = Field(None, validate_default=True)
    xlsx: XlsxOptions | None = None
    options: dict[str, str | int | bool] = Field(
        default_factory=dict, description="passed as is to the Spark reader (escape hatch)"
    )
    schema_drift: SchemaDrift = "rescue"
    file_date: FileDate | None = None
    max_files_per_trigger: int | None = Field(None, gt=0)

    @field_validator("csv", "json_", "xml", "xlsx")
    @classmethod
    def _matches_format(cls, value: Model | None, info: ValidationInfo) -> Model | None:
        block = (info.field_name or "").rstrip("_")
        fmt = info.data.get("format")
        if value is not None and fmt is not None and fmt != block:
            raise ValueError(f"options for format '{block}', but source.format is '{fmt}'")
        if value is None and block == "xml" and fmt == "xml":
            raise ValueError("format 'xml' needs xml.row_tag (the element of one row)")
        return value

    @property
    def csv_options(self) -> CsvOptions:
        """The csv block, or its defaults."""
        return self.csv or CsvOptions()

    @property
    def json_options(self) -> JsonOptions:
        """The json block, or its defaults."""
        return self.json_ or JsonOptions()

    @property
    def xlsx_options(self) -> XlsxOptions:
        """The xlsx block, or its defaults."""
        return self.xlsx or XlsxOptions()

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError("must be relative to the landing root, without '..'")
        first = value.split("/", 1)[0]
        if first in ("", ".") or any(c in first for c in "*?[{"):
            # the landing root holds every source's files (and the JDBC extracts, raw PII)
            raise ValueError(
                f"must start with a folder of its own under the landing root, e.g. "
                f"<source>/*.csv (got '{value}', which reads every source's files)"
            )
        return value


Source = Annotated[
    FileSource | JdbcSource | RestSource | MongoSource | KafkaSource | EventHubsSource,
    Field(discriminator="type"),
]
"""Every source type; add new ones as members of this union (and an object in
``pipelines.sources.types``: ``tests/unit/test_source_types.py`` checks both lists agree)."""
