"""The join condition of two aliased frames on a key: the merges' and the CDC increments'."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

__all__ = ["same_key"]


def same_key(left: str, right: str, keys: Sequence[str], *, prefix: str = "") -> Column:
    """Rows of the frames aliased ``left`` and ``right`` have the same ``keys``: each
    ``left.<prefix><key>`` equals ``right.<key>``, nulls equal to nulls, as a window
    partitioned by the key groups them (a null key is a key like any other there)."""
    pairs = [F.col(f"{left}.`{prefix}{k}`").eqNullSafe(F.col(f"{right}.`{k}`")) for k in keys]
    return reduce(lambda a, b: a & b, pairs)
