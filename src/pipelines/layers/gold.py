"""Gold: marts declared as SQL over silver (or other gold) tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.loader import TABLE_REF
from pipelines.config.model import GoldModel
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["gold_spec"]


def gold_spec(model: GoldModel) -> DatasetSpec:
    """A materialized view running the model's SQL."""
    inputs = tuple(sorted({m.group(0).lower() for m in TABLE_REF.finditer(model.sql)}))

    def query(spark: SparkSession) -> DataFrame:
        return spark.sql(model.sql)

    return DatasetSpec(f"gold.{model.name}", "materialized_view", query, inputs, model.description)
