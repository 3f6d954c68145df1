"""Arrow (Parquet) types as Spark SQL type names, for reading typed files and spotting drift."""

from __future__ import annotations

from typing import Any

__all__ = ["spark_type"]


def spark_type(arrow_type: Any) -> str:
    """The Spark SQL type of an Arrow type (``string`` for anything Spark cannot map)."""
    from pyspark.sql.pandas.types import from_arrow_type

    try:
        return str(from_arrow_type(arrow_type).simpleString())
    except (TypeError, ValueError, NotImplementedError):
        return "string"
