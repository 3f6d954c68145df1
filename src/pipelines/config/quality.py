"""Quality rules: what valid rows satisfy and what happens to the others."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipelines.config.base import Identifier, Model

__all__ = ["QualityRule"]


class QualityRule(Model):
    """A SQL boolean that valid rows satisfy, and what to do with the rows that do not."""

    name: Identifier
    expr: str = Field(min_length=1)
    action: Literal["warn", "drop", "quarantine", "fail"] = "quarantine"
    description: str = ""
