"""Whether a snapshot source read in the driver gives the records its bronze table holds, and
the copy of that read that bronze then takes.

For sources whose bronze keeps each whole record as text (``_record``: a REST API's JSON, a
MongoDB document): the fresh records, read in this process (no Spark job), against the stored
ones, as a multiset (count and a SHA-256 of the sorted records), in ``bronze_pii`` for a
source with PII, whose ``bronze`` keeps them redacted.

When they differ, the rows read are written as this run's copy (``snapshot_copy``) and the
graph reads the copy, not the server: one fetch of every page or document per run, not two
(against an API's rate limit), and bronze holds exactly the records compared. The rows are in
memory already, so the copy costs a write only in a run that changes the source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipelines.config.model import SourceConfig
from pipelines.sources.snapshot_copy import copy_root
from pipelines.sources.types._records import RECORD_COLUMN
from pipelines.spec import RunContext

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

__all__ = ["Rows", "read_records_once"]

Rows = Callable[[], Iterable[tuple[Any, ...]]]
"""Every record as its bronze row: the declared fields, the record, where, when (fetched)."""


def read_records_once(
    spark: SparkSession, config: SourceConfig, context: RunContext, fresh: Rows, schema: StructType
) -> bool:
    """Whether ``fresh()`` gives exactly the records of ``config``'s table that holds them
    whole (its rows: ``schema``, the record after the declared fields). When not, the rows
    are this run's copy, for the graph to read. False whenever it is not certain: no table yet
    (the graph reads the source), or a read that fails (the graph's own read says why)."""
    folders = context.adapter.extract_folders()
    root = copy_root(context, config)
    folders.remove(root)  # an earlier run's copy: never read again
    table = f"bronze_pii.{config.name}" if config.has_pii else config.bronze_table
    if not spark.catalog.tableExists(table):
        return False
    record = len(config.columns)
    try:
        rows = list(fresh())
        if _same_records(spark, table, [row[record] for row in rows]):
            return True
        spark.createDataFrame([_aware(row) for row in rows], schema).write.parquet(
            f"{root}/{context.run_id}"
        )
    except Exception:  # not certain: the graph reads the source and says what went wrong
        folders.remove(root)
    return False


def _same_records(spark: SparkSession, table: str, records: Sequence[str | None]) -> bool:
    # Sorted the same way on both sides: Spark compares strings by their UTF-8 bytes, which
    # orders them as Python orders code points.
    records_sorted = f"array_sort(collect_list(coalesce({RECORD_COLUMN}, '')))"
    stored = spark.sql(
        f"SELECT count(*), sha2(array_join({records_sorted}, '\\n'), 256) FROM {table}"
    ).collect()[0]
    digest = hashlib.sha256("\n".join(sorted(r or "" for r in records)).encode()).hexdigest()
    return (stored[0], stored[1]) == (len(records), digest)


def _aware(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The fetch time (naive UTC, as the data source yields it) made explicit: Spark reads a
    naive datetime from Python as the machine's local time."""
    *values, fetched = row
    if isinstance(fetched, datetime) and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return (*values, fetched)
