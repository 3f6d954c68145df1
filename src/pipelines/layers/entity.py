"""Entities: one mastered table per ``src/conf/entities/<name>.yml`` and its cross-reference.

``silver.<name>`` holds one row per real entity (a stable key, the surviving attribute values,
masked like the sources, and ``sources``: every source record and the rule that matched it);
``silver.<name>_xref`` maps each source record to its entity key and the rule that matched it.
The cross-reference does the matching (once); ``silver.<name>`` merges the records by it. Both
are materialized views over the inputs' silver tables. Matching needs the raw values of PII
columns (a phone number in E.164, a name to compare), so each input's PII columns are read back
from ``bronze_pii.<source>`` on ``_content_hash`` and standardised as the source declares;
only masked values leave this layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from pipelines.config.entity import EntityConfig, EntityInput
from pipelines.config.model import SourceConfig
from pipelines.pii.keys import PiiKeyError, PiiKeys
from pipelines.spec import DatasetSpec, Query, RunContext
from pipelines.transforms.conform import standard_value
from pipelines.transforms.match import CLUSTER, MATCH_RULE, match
from pipelines.transforms.pii import mask_keys, mask_value
from pipelines.transforms.survive import entity_key, survive

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["entity_records", "entity_specs", "matched_records"]


def entity_specs(
    entity: EntityConfig, sources: Mapping[str, SourceConfig], context: RunContext
) -> list[DatasetSpec]:
    """``silver.<name>`` and ``silver.<name>_xref``, read from the inputs' silver tables (and
    their ``bronze_pii`` tables for the raw PII values)."""
    inputs = [f"silver.{s}" for s in entity.sources]
    inputs += [f"bronze_pii.{s}" for s in entity.sources if sources[s].has_pii]
    names = ", ".join(entity.sources)
    xref_comment = (
        f"Source records of silver.{entity.name} ({names}) -> {entity.key}, "
        "with the rule that matched each."
    )
    # Seen on pyspark 4.2: the local engine started the cross-reference together with the
    # silver tables it reads on an incremental run (and ran it when one of them failed), so
    # it read them while they were rewritten; the runner refreshes them in an earlier phase.
    unordered = tuple(inputs)
    return [
        DatasetSpec(
            f"silver.{entity.xref}", "materialized_view", _xref_query(entity, sources, context),
            tuple(inputs), xref_comment, unordered=unordered,
        ),
        DatasetSpec(
            f"silver.{entity.name}", "materialized_view", _entity_query(entity, sources, context),
            (f"silver.{entity.xref}", *inputs), entity.description, unordered=unordered,
        ),
    ]  # fmt: skip


def _input_records(
    spark: SparkSession, entry: EntityInput, source: SourceConfig, attributes: list[str]
) -> DataFrame:
    rows = spark.read.table(f"silver.{source.name}")
    pii = [c for c in source.columns if c.pii]
    if pii:
        raw = spark.read.table(f"bronze_pii.{source.name}").groupBy("_content_hash")
        firsts = raw.agg(*[F.first(c.name).alias(f"_raw_{c.name}") for c in pii])
        rows = rows.join(firsts, "_content_hash", "left").withColumns(
            {c.name: standard_value(F.col(f"_raw_{c.name}"), c) for c in pii}
        )
    values = [
        (F.expr(entry.attributes[a]) if a in entry.attributes else F.lit(None))
        .cast("string")
        .alias(a)
        for a in attributes
    ]
    return rows.select(
        F.lit(source.name).alias("_source"),
        F.col(entry.id).cast("string").alias("_source_id"),
        F.expr(entry.updated).cast("timestamp").alias("_updated"),
        F.col("_content_hash"),
        *values,
    ).where(F.col("_source_id").isNotNull())


def entity_records(
    spark: SparkSession, entity: EntityConfig, sources: Mapping[str, SourceConfig]
) -> DataFrame:
    """Every input's records on the shared attributes (raw standardised values), one per
    ``_record_id`` (``source:id``; the most recently updated when a source repeats an id)."""
    attributes = list(entity.attributes)
    frames = [_input_records(spark, e, sources[e.source], attributes) for e in entity.inputs]
    records = frames[0]
    for frame in frames[1:]:
        records = records.unionByName(frame)
    records = records.withColumn("_record_id", F.concat_ws(":", "_source", "_source_id"))
    newest = Window.partitionBy("_record_id").orderBy(
        F.col("_updated").desc_nulls_last(), F.col("_content_hash")
    )
    ranked = records.withColumn("_e_rank", F.row_number().over(newest))
    return ranked.where(F.col("_e_rank") == 1)


def matched_records(
    spark: SparkSession, entity: EntityConfig, sources: Mapping[str, SourceConfig]
) -> DataFrame:
    """The entity's records with ``_cluster`` and ``_match_rule`` (see ``match``)."""
    normalisers = {name: a.match for name, a in entity.attributes.items()}
    return match(entity_records(spark, entity, sources), entity.match, normalisers)


def _keys(context: RunContext, entity: EntityConfig) -> PiiKeys:
    if context.pii_keys is None:
        raise PiiKeyError(f"silver.{entity.name} has PII attributes but the run has no PII keys")
    return context.pii_keys


def _entity_query(
    entity: EntityConfig, sources: Mapping[str, SourceConfig], context: RunContext
) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        xref = spark.read.table(f"silver.{entity.xref}").select(
            F.col("source").alias("_source"),
            F.col("source_id").alias("_source_id"),
            F.col(entity.key).alias(CLUSTER),
            F.col("match_rule").alias(MATCH_RULE),
        )
        records = entity_records(spark, entity, sources)
        merged = records.join(xref, ["_source", "_source_id"])
        survived = survive(merged, entity.attributes)
        values = []
        masked = any(a.pii is not None for a in entity.attributes.values())
        keys = mask_keys(spark, _keys(context, entity)) if masked else None
        for name, attribute in entity.attributes.items():
            value = F.col(name)
            if attribute.pii is not None and keys is not None:
                value = mask_value(value, attribute.pii, keys)
            values.append(value.alias(name))
        return survived.select(
            F.col(CLUSTER).alias(entity.key),
            *values,
            F.col("_sources").alias("sources"),
            F.col("_records").alias("source_records"),
            F.col("_first_seen").alias("first_seen_at"),
            F.col("_last_seen").alias("last_seen_at"),
            F.lit(context.run_id).alias("_run_id"),
        )

    return query


def _xref_query(
    entity: EntityConfig, sources: Mapping[str, SourceConfig], context: RunContext
) -> Query:
    def query(spark: SparkSession) -> DataFrame:
        return matched_records(spark, entity, sources).select(
            F.col("_source").alias("source"),
            F.col("_source_id").alias("source_id"),
            entity_key(F.col(CLUSTER)).alias(entity.key),
            F.col(MATCH_RULE).alias("match_rule"),
            F.col("_updated").alias("updated_at"),
            F.col("_content_hash"),
            F.lit(context.run_id).alias("_run_id"),
        )

    return query
