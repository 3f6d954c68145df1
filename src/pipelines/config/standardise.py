"""Standardisation declared on a column: one canonical form per value before typing and masking.

``standardise: {phone: {region: AU}}`` turns every way of writing a phone number into E.164,
``{email: true}`` trims and lower-cases an address, ``{date: [yyyyMMdd, dd/MM/yyyy]}`` reads a
date written in any of those patterns as ISO text, ``{case: title}`` changes the case. A date or
timestamp column takes ``formats: [...]`` instead (the first pattern that parses wins). Values
that do not standardise become NULL and break the column's implicit rule
``standardise_<column>`` (``on_invalid``: warn by default), so they are counted, never a crash.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Model
from pipelines.config.quality import Action, QualityRule
from pipelines.config.suggest import did_you_mean

__all__ = [
    "CASES",
    "PhoneStandard",
    "Standardise",
    "check_datetime_pattern",
    "standardise_rule",
    "supported_regions",
]

CASES = ("lower", "upper", "title")
_PATTERN_LETTERS = set("GyuYDMLdQqEewWFaBhKkHmsSnAVzOXxZ")
_QUOTED = re.compile(r"'[^']*'")


@cache
def supported_regions() -> frozenset[str]:
    """ISO 3166-1 alpha-2 regions ``phonenumbers`` knows (imported only when asked)."""
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def check_datetime_pattern(pattern: str) -> str:
    """``pattern`` if it is made of Spark datetime pattern letters (quoted text allowed).

    Raises:
        ValueError: Naming the first letter Spark does not know.
    """
    unquoted = _QUOTED.sub("", pattern)
    unknown = sorted({c for c in unquoted if c.isalpha() and c not in _PATTERN_LETTERS})
    if unknown or not unquoted.strip():
        letters = ", ".join(f"'{c}'" for c in unknown) or "none"
        raise ValueError(
            f"'{pattern}' is not a Spark datetime pattern (unknown letters: {letters}); "
            "e.g. yyyy-MM-dd, yyyyMMdd, dd/MM/yyyy"
        )
    return pattern


class PhoneStandard(Model):
    """Phone numbers to E.164 (``+61412345678``); ``region`` reads numbers without a country
    code (ISO 3166-1 alpha-2, e.g. ``AU``)."""

    region: str = Field(min_length=2, max_length=3)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        regions = supported_regions()
        if value not in regions:
            upper = value.upper()  # "au" -> AU, "AUS" (alpha-3) -> AU
            hint = upper if upper in regions else upper[:2] if upper[:2] in regions else None
            suggestion = f" (did you mean '{hint}'?)" if hint else did_you_mean(upper, regions)
            raise ValueError(f"unknown region '{value}' (ISO 3166-1 alpha-2){suggestion}")
        return value


class Standardise(Model):
    """One canonical form for a string column's values (see the module docstring)."""

    case: Literal["lower", "upper", "title"] | None = None
    phone: PhoneStandard | None = None
    email: bool = False
    date: tuple[str, ...] = Field(default=(), description="patterns tried in order -> ISO text")
    on_invalid: Action = Field("warn", description="what happens to a row whose value fails")

    @field_validator("date")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_datetime_pattern(p) for p in value)

    @model_validator(mode="after")
    def _one_form(self) -> Standardise:
        forms = [name for name in ("phone", "email", "date") if getattr(self, name)]
        if len(forms) > 1:
            raise ValueError(f"choose one of phone, email, date (got {', '.join(forms)})")
        if forms and self.case is not None:
            raise ValueError(f"case does not combine with {forms[0]} (it fixes the whole form)")
        if not forms and self.case is None:
            raise ValueError("name at least one of case, phone, email, date")
        if not forms and "on_invalid" in self.model_fields_set:
            raise ValueError("on_invalid: a case change cannot fail")
        return self

    @property
    def can_fail(self) -> bool:
        """Whether a present value may not standardise (phone, email and date can)."""
        return self.case is None


def standardise_rule(column: str, spec: Standardise) -> QualityRule | None:
    """The implicit rule a value that did not standardise breaks (None if it cannot fail).

    Silver keeps the declared value in ``_raw``: a present raw value with a NULL standardised
    value is a failure (for a PII column, bronze holds ``[INVALID]`` in place of the mask).
    """
    if not spec.can_fail:
        return None
    return QualityRule(
        name=f"standardise_{column}",
        expr=f"{column} IS NOT NULL OR nullif(trim(_raw.{column}), '') IS NULL",
        action=spec.on_invalid,
        description=f"{column} has a value that does not standardise",
    )
