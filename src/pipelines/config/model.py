"""The typed config model: one source of truth for every layer, the bundle and the grants.

Every model is frozen and rejects unknown keys, so a typo is an error, never a silent no-op.
Later features (more source types, PII, CDC, richer quality rules) slot in as new fields or new
members of a discriminated union, not as new code paths.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipelines.config.deploy import DeploySettings

__all__ = [
    "SCHEMAS",
    "AccessConfig",
    "Column",
    "Dedupe",
    "FileDate",
    "FileSource",
    "GoldModel",
    "Group",
    "LocalSettings",
    "ProjectConfig",
    "QualityRule",
    "SilverSettings",
    "SourceConfig",
]

SCHEMAS = ("bronze", "bronze_pii", "silver", "gold", "quarantine", "ops")
"""The schemas every catalog holds (DESIGN.md, "Names")."""

Identifier = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=120, description="lower_snake_case name"),
]
SchemaName = Literal["bronze", "bronze_pii", "silver", "gold", "quarantine", "ops"]

_SPARK_TYPE = re.compile(
    r"^(string|boolean|tinyint|smallint|int|bigint|float|double|date|timestamp|binary"
    r"|decimal\(\s*\d{1,2}\s*,\s*\d{1,2}\s*\))$"
)
SPARK_TYPES = (
    "string", "boolean", "tinyint", "smallint", "int", "bigint", "float", "double",
    "date", "timestamp", "binary", "decimal(p,s)",
)  # fmt: skip


class Model(BaseModel):
    """Base of every config model: immutable, strict about keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Column(Model):
    """A declared column of a source: bronze keeps it raw, silver types and cleans it."""

    name: Identifier
    type: str = Field("string", description="Spark SQL type of the silver column")
    nullable: bool = True
    description: str = ""
    empty_as_null: bool = Field(True, description="treat '' (and blanks) as missing")
    trim: bool = Field(True, description="strip surrounding white space in silver")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        lowered = value.lower()
        if not _SPARK_TYPE.match(lowered):
            raise ValueError(f"unknown type '{value}'; expected one of {', '.join(SPARK_TYPES)}")
        return lowered


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


Source = Annotated[FileSource, Field(discriminator="type")]


class Dedupe(Model):
    """Silver keeps one row per key; without a key, one row per distinct content."""

    key: tuple[Identifier, ...] = Field(default=(), description="empty: the content hash")
    keep: Literal["latest", "earliest"] = "latest"


class QualityRule(Model):
    """A SQL boolean that valid rows satisfy, and what to do with the rows that do not."""

    name: Identifier
    expr: str = Field(min_length=1)
    action: Literal["warn", "drop", "quarantine", "fail"] = "quarantine"
    description: str = ""


class SilverSettings(Model):
    """How silver is derived from bronze."""

    replace_by_file_date: bool = Field(
        False, description="a newer file for the same date replaces the older one's rows"
    )
    dedupe: Dedupe | None = Field(default_factory=Dedupe)


class SourceConfig(Model):
    """One file under ``src/conf/sources/``: a source and the datasets derived from it."""

    name: Identifier
    description: str = Field(min_length=1)
    owner: Identifier = Field(description="the group (feature team) that owns the source")
    domain: Identifier | None = None
    tags: tuple[str, ...] = ()
    source: Source
    columns: tuple[Column, ...] = Field(min_length=1)
    silver: SilverSettings = SilverSettings()  # frozen: sharing the default is safe
    quality: tuple[QualityRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> SourceConfig:
        # Messages start with the key path they are about; the loader locates them by it.
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"columns: duplicate column names: {', '.join(duplicated)}")
        dedupe = self.silver.dedupe
        unknown = [k for k in (dedupe.key if dedupe else ()) if k not in names]
        if unknown:
            raise ValueError(
                f"silver.dedupe.key: names unknown columns: {', '.join(unknown)}"
                f" (declared: {', '.join(names)})"
            )
        if self.silver.replace_by_file_date and self.source.file_date is None:
            raise ValueError("silver.replace_by_file_date: needs source.file_date")
        rules = [r.name for r in self.quality]
        if len(set(rules)) != len(rules):
            raise ValueError("quality: rule names must be unique")
        return self


class GoldModel(Model):
    """One file under ``src/conf/gold/``: a mart as SQL over silver (or other gold) tables."""

    name: Identifier
    description: str = Field(min_length=1)
    owner: Identifier
    consumers: tuple[Identifier, ...] = ()
    sql: str = Field(min_length=1, description="SELECT over logical names like silver.x")
    columns: dict[Identifier, str] = Field(
        default_factory=dict, description="column name -> description"
    )


class Group(Model):
    """A group of people (or a feature team) and the schemas it may read."""

    name: Identifier
    description: str = ""
    read: tuple[SchemaName, ...] = ()
    feature_team: bool = False


class AccessConfig(Model):
    """``src/conf/access.yml``: who may read what; the grants derive from it."""

    groups: tuple[Group, ...] = Field(min_length=1)
    pipelines_principal: str = "lakehouse-pipelines"


class LocalSettings(Model):
    """Defaults for local runs (a laptop or CI, not Databricks)."""

    table_format: Literal["parquet", "delta"] = "parquet"
    shuffle_partitions: int = Field(8, gt=0)
    driver_memory: str = Field("4g", pattern=r"^\d+[mg]$")
    cores: int | None = Field(None, gt=0, description="default: all cores")


class ProjectConfig(Model):
    """``src/conf/project.yml``: settings shared by every source."""

    name: Identifier
    description: str = ""
    owner: Identifier
    local: LocalSettings = LocalSettings()
    deploy: DeploySettings = DeploySettings()
