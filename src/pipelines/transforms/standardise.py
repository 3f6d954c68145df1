"""Standardisation helpers: pure Column functions, one canonical form per value.

Every helper takes and returns a Column and maps a value it cannot read to NULL (never an
error: one bad value must not fail a flow). ``standardise`` applies a column's declared
``standardise:`` block; silver applies it to plain columns, bronze to PII columns before
masking (so a token is taken of the standard form and two spellings of a phone number join).

Phone numbers go through Google's libphonenumber port (``phonenumbers``) in a vectorised
(pandas) UDF: parsing national formats needs its metadata, which no Spark built-in has.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.pandas.functions import pandas_udf
from pyspark.sql.types import StringType

from pipelines.config.standardise import Standardise

__all__ = [
    "EMAIL_PATTERN",
    "change_case",
    "email",
    "iso_date",
    "parse_datetime",
    "phone_e164",
    "standardise",
    "to_e164",
    "trim",
]

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
"""One ``@``, a dot in the domain, no white space: a form check, not a deliverability one."""


def trim(value: Column) -> Column:
    """Surrounding white space removed; a blank value becomes NULL."""
    text = F.trim(value.cast("string"))
    return F.when(text != "", text)


def change_case(value: Column, case: str) -> Column:
    """``lower``, ``upper`` or ``title`` case (``title``: first letter of each word upper)."""
    text = trim(value)
    if case == "lower":
        return F.lower(text)
    if case == "upper":
        return F.upper(text)
    if case == "title":
        return F.initcap(text)
    raise ValueError(f"unknown case '{case}'; expected one of lower, upper, title")


def email(value: Column) -> Column:
    """Trimmed and lower-cased; NULL unless it has the form ``local@domain.tld``."""
    text = F.lower(trim(value))
    return F.when(text.rlike(EMAIL_PATTERN), text)


def parse_datetime(value: Column, patterns: Sequence[str]) -> Column:
    """A timestamp read with the first pattern that parses (NULL when none does)."""
    text = trim(value)
    if not patterns:
        return text.try_cast("timestamp")
    return F.coalesce(*[F.try_to_timestamp(text, F.lit(p)) for p in patterns])


def iso_date(value: Column, patterns: Sequence[str]) -> Column:
    """A date written in any of ``patterns`` as ISO text (``yyyy-MM-dd``), else NULL."""
    return F.date_format(parse_datetime(value, patterns).cast("date"), "yyyy-MM-dd")


def to_e164(text: str | None, region: str) -> str | None:
    """One phone number in E.164 (``+61412345678``), or None when it is not a valid number.

    ``region`` reads numbers written without a country code (``0412 345 678`` in ``AU``).
    """
    import phonenumbers

    if text is None or not text.strip():
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _e164_batch(values: pd.Series, regions: pd.Series) -> pd.Series:
    return pd.Series(
        [None if v is None else to_e164(v, r) for v, r in zip(values, regions, strict=True)],
        dtype=object,
    )


def phone_e164(value: Column, region: str) -> Column:
    """Phone numbers in E.164; NULL for a value that is no valid number of any region.

    (The UDF is made at call time: made at import, before a session exists, it would be a
    classic UDF that a Spark Connect plan cannot hold.)
    """
    text = trim(value)
    udf = pandas_udf(_e164_batch, StringType())  # type: ignore[call-overload]
    return F.when(text.isNotNull(), udf(text, F.lit(region)))


def standardise(value: Column, spec: Standardise) -> Column:
    """``value`` in the canonical form ``spec`` declares (NULL where it has none)."""
    if spec.phone is not None:
        return phone_e164(value, spec.phone.region)
    if spec.email:
        return email(value)
    if spec.date:
        return iso_date(value, spec.date)
    if spec.case is not None:
        return change_case(value, spec.case)
    return trim(value)
