"""Whether a snapshot source still holds what its bronze table holds: a digest of rows.

A source read as a snapshot (a JDBC table or query without ``incremental``) is a materialized
view: every run reads it whole and recomputes its bronze, silver, quarantine and all that reads
them. When the database serves the same rows as last time, that work changes nothing. Reading
the rows once more, before the graph, is the only way to know (a table keeps no trace of its
changes that every database offers), and it is cheap next to the recomputation it saves: one
read and one aggregate, against a read, every layer's rewrite and the gold models'.

The comparison is by bronze's own ``_content_hash`` (keyed in a PII source, so the hashes of
the fresh read are the stored ones exactly), as a multiset: the row count and three sums of
60-bit slices of the hashes, exact in ``decimal(38,0)``. Row order and partitioning do not
matter; a changed, added or removed row changes the sums (short of a deliberate collision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

__all__ = ["digest", "digest_columns"]

_SLICES = (1, 16, 31)
"""Where each 15-hex-digit (60-bit) slice of the 64-digit SHA-256 hex starts."""


def digest_columns() -> list[Column]:
    """The aggregates of a multiset of rows by their ``_content_hash``: the row count and the
    sums of the hashes' three 60-bit slices (for ``DataFrame.agg`` or ``observe``)."""
    from pyspark.sql import functions as F

    hashed = F.col("_content_hash")
    sums = [
        F.sum(F.conv(F.substring(hashed, start, 15), 16, 10).cast("decimal(38,0)")).alias(f"s{n}")
        for n, start in enumerate(_SLICES)
    ]
    return [F.count(F.lit(1)).alias("rows"), *sums]


def digest(rows: DataFrame) -> tuple[object, ...]:
    """``digest_columns`` of ``rows``, e.g. a bronze table's."""
    return tuple(rows.agg(*digest_columns()).collect()[0])
