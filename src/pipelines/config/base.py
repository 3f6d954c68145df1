"""Building blocks every config model shares: the strict base class and common field types."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMAS",
    "SPARK_TYPES",
    "Identifier",
    "Model",
    "SchemaName",
    "is_landing_schema",
    "is_spark_type",
    "landing_schema",
]

SCHEMAS = ("bronze", "bronze_pii", "silver", "gold", "quarantine", "ops")
"""The schemas every catalog holds (DESIGN.md, "Names"); besides them, each feature team's
landing schema (``landing_schema``)."""
_LANDING = "landing_"


def landing_schema(team: str) -> str:
    """The schema of ``team``'s undeclared arrivals (``pipelines.config.convention``)."""
    return f"{_LANDING}{team}"


def is_landing_schema(schema: str) -> bool:
    """Whether ``schema`` holds undeclared arrivals (held back for one team)."""
    return schema.lower().startswith(_LANDING)


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


def is_spark_type(value: str) -> bool:
    """Whether ``value`` (lower case) is a Spark SQL type the model accepts."""
    return _SPARK_TYPE.match(value) is not None


class Model(BaseModel):
    """Base of every config model: immutable, strict about keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
