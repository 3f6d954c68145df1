"""The typed config model: one source of truth for every layer, the bundle and the grants.

Every model is frozen and rejects unknown keys, so a typo is an error, never a silent no-op.
The parts live in modules by concern (``base``, ``sources``, ``quality``, ``silver``); this
module holds the top-level files' models and re-exports the parts. Later features slot in as
new fields or new members of a discriminated union, not as new code paths.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import SCHEMAS, SPARK_TYPES, Identifier, Model, SchemaName, is_spark_type
from pipelines.config.quality import QualityRule
from pipelines.config.silver import Dedupe, SilverSettings
from pipelines.config.sources import (
    EventHubsSource,
    FileDate,
    FileSource,
    JdbcSource,
    KafkaSource,
    RestSource,
    Source,
)

__all__ = [
    "SCHEMAS",
    "AccessConfig",
    "Column",
    "Dedupe",
    "EventHubsSource",
    "FileDate",
    "FileSource",
    "GoldModel",
    "Group",
    "JdbcSource",
    "KafkaSource",
    "LocalSettings",
    "Model",
    "ProjectConfig",
    "QualityRule",
    "RestSource",
    "SilverSettings",
    "Source",
    "SourceConfig",
]


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
        if not is_spark_type(lowered):
            raise ValueError(f"unknown type '{value}'; expected one of {', '.join(SPARK_TYPES)}")
        return lowered


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
        check = getattr(self.source, "column_problem", None)
        problem = check({c.name: c.type for c in self.columns}) if check else None
        if problem:
            raise ValueError(problem)
        if self.silver.replace_by_file_date and getattr(self.source, "file_date", None) is None:
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
