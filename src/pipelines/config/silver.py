"""How silver is derived from bronze: replacement of re-delivered days, deduplication, CDC,
derived columns."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.config.base import Identifier, Model
from pipelines.config.cdc import Cdc

__all__ = ["Cdc", "Dedupe", "SilverSettings"]


class Dedupe(Model):
    """Silver keeps one row per key; without a key, one row per distinct content: rows whose
    typed, conformed values are identical are collapsed (the run summary counts them)."""

    key: tuple[Identifier, ...] = Field(
        default=(), description="empty: identical typed values are one row"
    )
    keep: Literal["latest", "earliest"] = "latest"


class SilverSettings(Model):
    """How silver is derived from bronze."""

    replace_by_file_date: bool = Field(
        False, description="a newer file for the same date replaces the older one's rows"
    )
    dedupe: Dedupe | None = Field(default_factory=Dedupe)
    cdc: Cdc | None = Field(None, description="apply the rows as change events (AUTO CDC)")
    derive: dict[Identifier, str] = Field(
        default_factory=dict,
        description="new column -> Spark SQL expression over the typed columns, evaluated in"
        " order after casting (a later one may use an earlier one) and before the quality rules",
    )
