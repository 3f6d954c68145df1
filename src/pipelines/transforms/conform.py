"""Silver typing: trim, blank to null, safe casts, and a reason for every value that fails."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.model import Column as ColumnSpec

__all__ = ["CORRUPT_COLUMN", "conform", "reasons_column"]

CORRUPT_COLUMN = "_corrupt_record"


def _clean(spec: ColumnSpec) -> Column:
    value = F.col(spec.name).cast("string")
    if spec.trim:
        value = F.trim(value)
    if spec.empty_as_null:
        value = F.when(value != "", value)
    return value


def _typed(spec: ColumnSpec, cleaned: Column) -> Column:
    if spec.type == "string":
        return cleaned
    if spec.format is not None:  # a datetime pattern: parse, then (for dates) truncate
        return F.try_to_timestamp(cleaned, F.lit(spec.format)).cast(spec.type)
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
    when a required value is missing.
    """
    checks: list[tuple[Column, str]] = []
    if has_corrupt_record:
        checks.append((F.col(CORRUPT_COLUMN).isNotNull(), "unparseable_row"))
    typed: dict[str, Column] = {}
    for spec in columns:
        cleaned, value = _clean(spec), _typed(spec, _clean(spec))
        if spec.type != "string":
            checks.append((cleaned.isNotNull() & value.isNull(), f"cast:{spec.name}"))
        if not spec.nullable:
            checks.append((value.isNull(), f"not_null:{spec.name}"))
        typed[spec.name] = value
    # One withColumns: every expression sees the raw input, so _raw keeps the raw values.
    raw = F.struct(*[F.col(spec.name) for spec in columns])
    return df.withColumns({**typed, "_raw": raw, "_reasons": reasons_column(checks)})
