"""Every count a finished run reports, taken in one Spark job.

After a run the summary prints rows per table, ``ops.flow_metrics`` records rows in and out,
``ops.quality_metrics`` the rows breaking each rule, and ``ops.reconciliation`` where every
bronze row went. Counted one by one, that is a dozen jobs, two of which redo silver's checks
over all of bronze. Here each frame is aggregated once, every aggregate of every frame is
turned into ``(key, n)`` rows, and the union is collected: one round trip, each table read
once (the checks pass of a source reads bronze once for all of its numbers).

A frame's aggregates are taken as plain columns and only then turned into rows: Delta answers
an aggregate of nothing but ``count(*)`` over a whole table from its log's file statistics
(``numRecords``), without reading a file, and it recognises only that shape. So a table's
rows are one part of their own, and a streaming table's rows of this run another, filtered by
``_run_id``, which bronze keeps statistics of: Delta skips every file of earlier runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = [
    "Aggregates",
    "RunCounts",
    "check_aggregates",
    "count_run",
    "source_aggregates",
    "table_aggregates",
    "tally",
]

Aggregates = tuple["DataFrame", Mapping[str, "Column"]]
"""A frame and the named aggregate columns to take of it (names unique across a tally)."""


def tally(parts: Sequence[Aggregates]) -> dict[str, int]:
    """Every aggregate of every frame, in one Spark job; aggregate name -> value."""
    from pyspark.sql import functions as F

    frames = []
    for frame, columns in parts:
        named = {f"_{i}": column for i, column in enumerate(columns.values())}
        taken = frame.agg(*(column.alias(alias) for alias, column in named.items()))
        pairs = [
            F.struct(F.lit(key).alias("k"), F.col(alias).cast("bigint").alias("n"))
            for key, alias in zip(columns, named, strict=True)
        ]
        frames.append(taken.select(F.inline(F.array(*pairs))))
    if not frames:
        return {}
    rows = reduce(lambda a, b: a.unionByName(b), frames).collect()
    return {row["k"]: int(row["n"]) for row in rows}


def table_aggregates(
    spark: SparkSession, specs: Sequence[DatasetSpec], run_id: str
) -> list[Aggregates]:
    """Rows of each table (``<name>``) and, for a streaming table, the rows this run appended
    (``<name>#appended``, by its ``_run_id``): the first from Delta's log, the second from
    this run's files (see the module docstring)."""
    from pyspark.sql import functions as F

    parts: list[Aggregates] = []
    for spec in specs:
        table = spark.read.table(spec.name)
        parts.append((table, {spec.name: F.count(F.lit(1))}))
        if spec.kind == "streaming_table" and "_run_id" in table.columns:
            appended = table.where(F.col("_run_id") == run_id)
            parts.append((appended, {f"{spec.name}#appended": F.count(F.lit(1))}))
    return parts


def source_aggregates(spark: SparkSession, source: SourceConfig) -> list[Aggregates]:
    """The checks of ``source`` over all of bronze, with silver's own functions (see
    ``check_aggregates``)."""
    from pipelines.layers.silver import checked_rows

    bronze = spark.read.table(f"bronze.{source.name}")
    return check_aggregates(source, bronze, checked_rows(bronze, source))


def check_aggregates(
    source: SourceConfig, bronze: DataFrame, checked: DataFrame
) -> list[Aggregates]:
    """The checks of ``source`` over ``bronze`` rows, ``checked`` being ``checked_rows`` of
    them (all of bronze, or an increment's rows: ``pipelines.local.increments``).

    Keys: ``<source>:current`` (rows of the current deliveries, which silver checks),
    ``<source>:valid`` (of those, rows neither quarantined nor dropped), ``<source>:silver:<rule>``
    (rows breaking a silver rule); ``<source>:bronze`` and ``<source>:bronze:<rule>`` for the
    bronze rules, over the raw bronze rows.
    """
    from pyspark.sql import functions as F

    from pipelines.transforms.quality import flag_column, flag_rules, is_valid

    name = source.name
    silver_rules = [r for r in source.rules if r.layer == "silver"]
    checks = {f"{name}:current": F.count(F.lit(1)), f"{name}:valid": F.count_if(is_valid())}
    checks |= {f"{name}:silver:{r.name}": F.count_if(F.col(flag_column(r))) for r in silver_rules}
    parts: list[Aggregates] = [(checked, checks)]
    bronze_rules = [r for r in source.rules if r.layer == "bronze"]
    if bronze_rules:
        raw = {f"{name}:bronze": F.count(F.lit(1))}
        raw |= {f"{name}:bronze:{r.name}": F.count_if(F.col(flag_column(r))) for r in bronze_rules}
        parts.append((flag_rules(bronze, bronze_rules), raw))
    return parts


@dataclass(frozen=True)
class RunCounts:
    """The counts of a run that completed: ``values`` by the keys of ``table_aggregates`` and
    ``source_aggregates``."""

    values: Mapping[str, int]

    def tables(self, specs: Sequence[DatasetSpec]) -> dict[str, int]:
        """Rows per table, in ``specs`` order."""
        return {spec.name: self.values[spec.name] for spec in specs}


def count_run(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    run_id: str,
    known: Mapping[str, Mapping[str, int]] | None = None,
    tables: Mapping[str, Mapping[str, int]] | None = None,
) -> RunCounts:
    """Every count of a run that completed, in one job (every table of ``specs``).

    ``known``: the checks' counts of sources already counted (by source name; the local
    increments add an increment's counts to the last run's), which are not taken again.
    ``tables``: the counts of tables already answered (by table name, with the keys of
    ``table_aggregates``: a local run reads them from the tables' logs,
    ``pipelines.local.table_logs``), which are not taken again either.
    """
    known, tables = known or {}, tables or {}
    parts = table_aggregates(spark, [s for s in specs if s.name not in tables], run_id)
    for source in config.sources:
        if source.name not in known:
            parts += source_aggregates(spark, source)
    values = tally(parts)
    for counts in (*known.values(), *tables.values()):
        values |= counts
    return RunCounts(values)
