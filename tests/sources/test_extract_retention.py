"""Retention of the JDBC extracts (raw PII): what ``prune_extracts`` deletes, and keeps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.sources.jdbc import extract_schema
from pipelines.sources.jdbc_extract import LocalFolders, extract_root, prune_extracts

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

BRONZE = "default.extract_retention_bronze"


def _extract(
    spark: SparkSession, root: str, run: str, config: SourceConfig, stamps: list[str]
) -> None:
    """An extract folder whose rows have only ``updated_at`` set."""
    schema = extract_schema(config)
    rows = [tuple(s if f.name == "updated_at" else None for f in schema.fields) for s in stamps]
    spark.createDataFrame(rows, schema).coalesce(1).write.parquet(f"{root}/{run}")


def test_ingested_extracts_go_the_watermark_and_the_unread_stay(
    spark: SparkSession, config: LakehouseConfig, tmp_path: Path
) -> None:
    source = config.source("crm_customers")  # incremental on updated_at, keep_extracts 1
    extracts = (tmp_path / "landing" / "_extracts").as_uri()
    root = extract_root(extracts, source.name)
    _extract(spark, root, "r1", source, ["2026-01-01 08:00:00", "2026-01-02 08:00:00"])
    _extract(spark, root, "r2", source, ["2026-01-03 08:00:00"])
    _extract(spark, root, "r3", source, [])  # nothing new that day
    _extract(spark, root, "r4", source, ["2026-01-05 08:00:00"])  # not ingested yet (run failed)
    _extract(spark, root, "r5", source, [])  # this run's: nothing new
    folder = tmp_path / "landing" / "_extracts" / source.name

    def prune(bronze: str) -> list[str]:
        return prune_extracts(spark, source, extracts, bronze, LocalFolders())

    # no bronze table yet: nothing is deleted
    spark.sql(f"DROP TABLE IF EXISTS {BRONZE}")
    assert prune(BRONZE) == []

    spark.createDataFrame([("2026-01-03 08:00:00",)], "updated_at string").write.saveAsTable(BRONZE)
    assert prune(BRONZE) == ["r1", "r2", "r3"]
    # r4: not ingested, and the newest with rows (the watermark); r5: the newest
    assert sorted(p.name for p in folder.iterdir()) == ["r4", "r5"]

    spark.sql(f"INSERT INTO {BRONZE} VALUES ('2026-01-05 08:00:00')")
    assert prune(BRONZE) == []  # r4 still carries the watermark
    spark.sql(f"DROP TABLE {BRONZE}")
