"""Silver typing: trim, blank to null, standardise, safe casts, and a reason for every value
that fails."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.model import Column as ColumnSpec
from pipelines.transforms.standardise import parse_datetime, standardise

__all__ = [
    "CORRUPT_COLUMN",
    "INVALID",
    "clean_value",
    "conform",
    "is_null_token",
    "reasons_column",
    "standard_value",
    "typed_value",
]

CORRUPT_COLUMN = "_corrupt_record"
INVALID = "[INVALID]"
"""What bronze holds in place of a PII value that does not standardise (raw: bronze_pii)."""


def clean_value(value: Column, spec: ColumnSpec) -> Column:
    """The raw text trimmed, blank-as-null and missing-value tokens (``null_values``) as NULL,
    as the column declares: before typing, so ``NULL`` in an int column is missing, not a
    failed cast, and in a string column is no value."""
    text = value.cast("string")
    if spec.trim:
        text = F.trim(text)
    if spec.empty_as_null:
        text = F.when(text != "", text)
    if spec.null_values:
        text = F.when(~is_null_token(text, spec), text)
    return text


def is_null_token(value: Column, spec: ColumnSpec) -> Column:
    """Whether the text is one of the column's ``null_values`` (compared trimmed, exactly)."""
    return F.trim(value.cast("string")).isin(list(spec.null_values or ()))


def standard_value(raw: Column, spec: ColumnSpec) -> Column:
    """A raw (unmasked) value cleaned and standardised as ``spec`` declares, still text."""
    cleaned = clean_value(raw, spec)
    return standardise(cleaned, spec.standardise) if spec.standardise else cleaned


def typed_value(raw: Column, spec: ColumnSpec) -> Column:
    """A raw value as ``conform`` types it (NULL where it does not parse)."""
    return _typed(spec, clean_value(raw, spec))


def _typed(spec: ColumnSpec, cleaned: Column) -> Column:
    if spec.type == "string":
        if spec.standardise is None:
            return cleaned
        if spec.pii is not None:  # bronze standardised before masking; [INVALID] -> NULL
            return F.when(cleaned != F.lit(INVALID), cleaned)
        return standardise(cleaned, spec.standardise)
    if spec.patterns:  # datetime patterns: the first that parses, then (dates) truncated
        return parse_datetime(cleaned, spec.patterns).cast(spec.type)
    return cleaned.try_cast(spec.type)


def reasons_column(checks: Sequence[tuple[Column, str]]) -> Column:
    """An array with the label of every check whose condition is true, in order."""
    if not checks:
        return F.array().cast("array<string>")
    return F.array_compact(F.array(*[F.when(cond, F.lit(label)) for cond, label in checks]))


def conform(
    df: DataFrame, columns: Sequence[ColumnSpec], *, has_corrupt_record: bool = False
) -> DataFrame:
    """Type and clean the declared columns; keep the raw values in ``_raw``.

    Adds ``_reasons``: ``unparseable_row`` when the reader could not split the line (only
    with ``has_corrupt_record``: the column list cannot be asked of a frame in a pipeline),
    ``cast:<col>`` when a present value is not of the declared type, ``not_null:<col>``
    when a required value is missing. A standardised column holds its canonical form (a value
    that has none is NULL; its ``standardise_<col>`` rule says so).
    """
    checks: list[tuple[Column, str]] = []
    if has_corrupt_record:
        checks.append((F.col(CORRUPT_COLUMN).isNotNull(), "unparseable_row"))
    typed: dict[str, Column] = {}
    for spec in columns:
        cleaned = clean_value(F.col(spec.name), spec)
        value = _typed(spec, cleaned)
        if spec.type != "string":
            checks.append((cleaned.isNotNull() & value.isNull(), f"cast:{spec.name}"))
        if not spec.nullable:
            checks.append((value.isNull(), f"not_null:{spec.name}"))
        typed[spec.name] = value
    # One withColumns: every expression sees the raw input, so _raw keeps the raw values.
    raw = F.struct(*[F.col(spec.name) for spec in columns])
    return df.withColumns({**typed, "_raw": raw, "_reasons": reasons_column(checks)})
