"""Running the real graph in tests: a fresh landing per scenario, one shared session."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.runner import RunResult, run_pipeline

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def run(
    spark: SparkSession,
    config: LakehouseConfig,
    landing: Path,
    home: Path,
    *,
    full_refresh: bool = False,
) -> RunResult:
    """Run the whole graph over ``landing`` with checkpoints under ``home``."""
    return run_pipeline(
        config,
        spark,
        landing_root=landing.as_uri(),
        storage_root=(home / "pipeline_storage").as_uri(),
        full_refresh=full_refresh,
        echo=lambda _line: None,
    )


def scalar(spark: SparkSession, query: str) -> object:
    """The single value a query returns."""
    return spark.sql(query).collect()[0][0]
