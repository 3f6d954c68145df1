"""Survivorship: one row per matched cluster, one value per attribute (pure functions).

Each attribute keeps the value its strategy prefers among the cluster's records that have
one: ``most_recent`` (the latest ``_updated``), ``most_complete`` (the longest value),
``{source_priority: [...]}`` (the first listed source). Ties go to the more recent record,
then to the smaller record id, so the result never depends on row order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.entity import Attribute, SourcePriority
from pipelines.transforms.match import CLUSTER, MATCH_RULE

__all__ = ["entity_key", "survive"]

_NEVER = 2**62  # the rank of a record without an update time: after every dated one


def entity_key(cluster: Column) -> Column:
    """A stable key from the smallest member's ``source:id`` (32 hex digits of its SHA-256).

    Reruns give the same key while that member stays in the cluster; a new member with a
    smaller id, or a split, gives the cluster a new key (the cross-reference shows both).
    """
    return F.substring(F.sha2(cluster, 256), 1, 32)


def _recency() -> Column:
    return F.coalesce(-F.unix_micros(F.col("_updated")), F.lit(_NEVER))


def _priority(sources: Sequence[str]) -> Column:
    position = F.array_position(F.array(*[F.lit(s) for s in sources]), F.col("_source"))
    return F.when(position > 0, position).otherwise(F.lit(len(sources) + 1))


def _ranked(value: Column, attribute: Attribute) -> Column:
    """A struct whose smallest instance in a cluster holds the surviving value."""
    strategy = attribute.survive
    if isinstance(strategy, SourcePriority):
        first: Column = _priority(strategy.source_priority)
    elif strategy == "most_complete":
        first = -F.length(value.cast("string"))
    else:
        first = F.lit(0)
    order = F.struct(
        first.alias("a"), _recency().alias("b"), F.col("_record_id").alias("c"), value.alias("v")
    )
    return F.when(value.isNotNull(), order)


def survive(matched: DataFrame, attributes: Mapping[str, Attribute]) -> DataFrame:
    """One row per ``_cluster``: the surviving attribute values and the cluster's lineage.

    ``matched`` has ``_cluster``, ``_match_rule`` (from ``match``), ``_record_id``,
    ``_source``, ``_source_id``, ``_updated`` and one column per attribute. Adds ``_sources``
    (``source``, ``source_id``, ``rule`` of every member, sorted), ``_records``,
    ``_first_seen`` and ``_last_seen`` (the members' earliest and latest ``_updated``).
    """
    survived = [
        F.array_min(F.collect_list(_ranked(F.col(name), attribute)))["v"].alias(name)
        for name, attribute in attributes.items()
    ]
    member = F.struct(
        F.col("_source").alias("source"),
        F.col("_source_id").alias("source_id"),
        F.col(MATCH_RULE).alias("rule"),
    )
    return matched.groupBy(CLUSTER).agg(
        *survived,
        F.array_sort(F.collect_list(member)).alias("_sources"),
        F.count(F.lit(1)).alias("_records"),
        F.min("_updated").alias("_first_seen"),
        F.max("_updated").alias("_last_seen"),
    )
