"""What the graph is made of: frozen dataset specs and the run they belong to (no Spark needed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.pii.keys import PiiKeys

__all__ = ["DatasetKind", "DatasetSpec", "Query", "RunContext"]

DatasetKind = Literal["streaming_table", "materialized_view", "temporary_view"]
Query = Callable[["SparkSession"], "DataFrame"]


@dataclass(frozen=True)
class RunContext:
    """What a graph needs to know about the run it is part of."""

    run_id: str
    landing_root: str
    platform: Literal["local", "databricks"] = "local"
    pii_keys: PiiKeys | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the graph.

    Attributes:
        name: Logical name (``silver.product_catalog``); temporary views have no schema.
        kind: How the dataset is materialised.
        query: Builds the dataset's DataFrame from a session.
        inputs: Logical names it reads, for lineage and inspection.
        comment: The table comment.
        partition_cols: Partition columns of the stored table.
    """

    name: str
    kind: DatasetKind
    query: Query
    inputs: tuple[str, ...] = ()
    comment: str = ""
    partition_cols: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        """Whether the dataset is a table (not a temporary view)."""
        return self.kind != "temporary_view"
