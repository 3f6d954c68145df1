"""Derived silver columns: SQL expressions over the typed columns, from ``silver.derive``."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

__all__ = ["derive_columns"]


def derive_columns(df: DataFrame, derive: Mapping[str, str]) -> DataFrame:
    """Add one column per ``name -> expression``, in order.

    Each expression sees the columns added before it, so ``nights`` can feed
    ``check_out_date``. A value that cannot be computed should be NULL (``try_*`` functions):
    a quality rule on the derived column then routes the row to quarantine with a reason,
    where an error would fail the whole flow.
    """
    for name, expression in derive.items():
        df = df.withColumn(name, F.expr(expression))
    return df
