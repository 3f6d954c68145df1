"""Gold: marts declared as SQL (inline or in a file) or a Python function over silver (or
other gold) tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.gold import import_function
from pipelines.config.model import GoldModel
from pipelines.layers.tables import gold_table
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["gold_spec"]


def gold_spec(model: GoldModel) -> DatasetSpec:
    """A materialized view running the model's SQL, or its function over its inputs."""
    inputs = model.references
    sql, target = model.sql, model.python

    def query(spark: SparkSession) -> DataFrame:
        if target is None:
            assert sql is not None  # the loader read sql_file into sql
            return spark.sql(sql)
        return import_function(target)({name: spark.read.table(name) for name in inputs})

    return DatasetSpec(
        f"gold.{model.name}", "materialized_view", query, inputs, model.description,
        table=gold_table(model),
    )  # fmt: skip
