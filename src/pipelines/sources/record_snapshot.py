"""Whether a snapshot source read in the driver gives the records its bronze table holds.

For sources whose bronze keeps each whole record as text (``_record``: a REST API's JSON, a
MongoDB document): the fresh records, read in this process (no Spark job), against the stored
ones, as a multiset (count and a SHA-256 of the sorted records), in ``bronze_pii`` for a
source with PII, whose ``bronze`` keeps them redacted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pipelines.config.model import SourceConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["records_unchanged"]


Records = Callable[[], Iterable[str | None]]


def records_unchanged(
    spark: SparkSession, config: SourceConfig, record_column: str, fresh: Records
) -> bool:
    """Whether ``fresh()`` gives exactly the records of ``config``'s table that holds them
    whole. False whenever it is not certain: no table yet, or a read that fails (the graph's
    own read then reports why)."""
    table = f"bronze_pii.{config.name}" if config.has_pii else config.bronze_table
    if not spark.catalog.tableExists(table):
        return False
    # Sorted the same way on both sides: Spark compares strings by their UTF-8 bytes, which
    # orders them as Python orders code points.
    records_sorted = f"array_sort(collect_list(coalesce({record_column}, '')))"
    try:
        records = sorted(record or "" for record in fresh())
        stored = spark.sql(
            f"SELECT count(*), sha2(array_join({records_sorted}, '\\n'), 256) FROM {table}"
        ).collect()[0]
    except Exception:  # not certain: the graph reads the source and says what went wrong
        return False
    digest = hashlib.sha256("\n".join(records).encode()).hexdigest()
    return (stored[0], stored[1]) == (len(records), digest)
