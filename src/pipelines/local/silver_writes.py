"""What an increment's merge into silver did, and the delete by key both merges share.

``pipelines.local.increments`` merges a deduplicated source's new rows, and
``pipelines.local.cdc_merge`` a CDC source's new change events; both delete silver's rows by
key and append the rows that replace them, and tell the marts over silver what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines.sqltext import sql_literal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Merged", "delete_keys"]

_IN_LIST = 10_000  # keys deleted by an IN list at most (a longer statement is slow to plan)


@dataclass(frozen=True)
class Merged:
    """What a merge did to ``silver.<source>``."""

    fresh: DataFrame  # the rows whose key silver did not hold
    replaced: int  # silver's rows replaced by a row of their key
    new_keys: int | None  # rows silver gained, net (None: no key, every row appended)
    appended: DataFrame  # every row appended
    removed: DataFrame | None  # silver's rows deleted (as they were before the merge)
    late: int = 0  # keys whose every event was applied again (a late event: cdc_merge)


def delete_keys(
    spark: SparkSession, table: str, key: Sequence[str], rows: str, on: str, where: str = ""
) -> int:
    """Delete the rows of ``table`` whose ``key`` one of ``rows`` (a subquery) has, and that
    meet ``where`` (SQL over the table's columns, each prefixed ``{t}``: "": all); returns how
    many ``rows`` there are.

    A single text or integer key: ``DELETE ... WHERE key IN (...)`` (Delta's ``DELETE`` takes
    no subquery). Any other key: a ``MERGE`` that only deletes (slower, same rows).
    """
    values = [r[0] for r in spark.sql(f"SELECT * FROM {rows} LIMIT {_IN_LIST + 1}").collect()]
    if not values:
        return 0
    typed = all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
    if len(key) == 1 and typed and len(values) <= _IN_LIST:
        listed = ", ".join(sql_literal(v) if isinstance(v, str) else str(v) for v in values)
        also = f" AND ({where.format(t='')})" if where else ""
        spark.sql(f"DELETE FROM {table} WHERE `{key[0]}` IN ({listed}){also}")
        return len(values)
    also = f" AND ({where.format(t='t.')})" if where else ""
    spark.sql(f"MERGE INTO {table} AS t USING {rows} AS s ON {on} WHEN MATCHED{also} THEN DELETE")
    count: int = spark.sql(f"SELECT count(*) FROM {rows}").collect()[0][0]
    return count
