"""The thin step: hand dataset specs to ``pyspark.pipelines`` (locally or on Lakeflow)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pyspark import pipelines as dp

from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.platform import Platform

__all__ = ["register"]


def register(
    specs: Iterable[DatasetSpec],
    spark: SparkSession,
    table_format: str | None,
    platform: Platform,
    catalog: str = "",
) -> None:
    """Register every spec; ``table_format`` None or ``delta``: the platform default (Delta);
    ``platform``: binds the specs' expectations and declares their tables;
    ``catalog``: the one the tables are published to (qualifies their mask and row-filter
    functions on Databricks)."""
    for spec in specs:
        _register_one(spec, spark, table_format, platform, catalog)


def _register_one(
    spec: DatasetSpec,
    spark: SparkSession,
    table_format: str | None,
    platform: Platform,
    catalog: str,
) -> None:
    def query() -> DataFrame:
        return spec.query(spark)

    query.__name__ = spec.name.replace(".", "__")
    # Delta is the default format of both platforms (locally spark.sql.sources.default=delta),
    # so it is never named: Databricks' reference pages do not list `format`, and open-source
    # SDP turns it into a `provider` table property that Delta refuses to set again on the next
    # run (DELTA_CANNOT_CHANGE_PROVIDER). Only the Parquet fallback names its format.
    named = table_format not in (None, "delta")
    stored_as: dict[str, Any] = {"format": table_format} if named else {}
    stored_as |= platform.table_arguments(spec.table, catalog)  # schema, properties, ...
    if spec.kind == "temporary_view":
        dp.temporary_view(name=spec.name, comment=spec.comment)(query)
        return
    if spec.kind == "auto_cdc" and spec.flow is not None:
        query.__name__ = spec.flow.source
        dp.temporary_view(name=spec.flow.source, comment=f"Change feed of {spec.name}")(query)
        dp.create_streaming_table(
            name=spec.name,
            comment=spec.comment,
            partition_cols=list(spec.partition_cols) or None,
            **stored_as,
        )
        dp.create_auto_cdc_flow(target=spec.name, **spec.flow.arguments())
        return
    decorator: Any = dp.table if spec.kind == "streaming_table" else dp.materialized_view
    decorator(
        name=spec.name,
        comment=spec.comment,
        partition_cols=list(spec.partition_cols) or None,
        **stored_as,  # in the API, not yet in its type stubs
    )(platform.bind_expectations(query, spec.expectations))
