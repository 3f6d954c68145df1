"""Declared columns read from a record's nested field by dotted path: ``fields`` of the
source types whose records nest (MongoDB documents, REST's JSON records)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from pipelines.config.base import Identifier

__all__ = ["RecordFields", "fields_problem"]


def _paths(value: dict[str, str]) -> dict[str, str]:
    for column, path in value.items():
        if any(not part or part.startswith("$") for part in path.split(".")):
            raise ValueError(f"{column}: '{path}' is not a dotted path (address.city)")
    return value


RecordFields = Annotated[
    dict[Identifier, str],
    AfterValidator(_paths),
    Field(
        default_factory=dict,
        description="declared columns read from a nested field, by dotted path (an array "
        "element by its index): {city: address.city, first_stay: stays.0.hotel}",
    ),
]
"""Column -> dotted path; a column not named here is the record's top-level field of its
name."""


def fields_problem(fields: dict[str, str], types: dict[str, str]) -> str | None:
    """What is wrong with ``fields`` given the declared columns (name -> type), if anything."""
    unknown = [c for c in fields if c not in types]
    if unknown:
        return (
            f"source.fields: {', '.join(unknown)} not declared in columns "
            f"(declared: {', '.join(types)})"
        )
    return None
