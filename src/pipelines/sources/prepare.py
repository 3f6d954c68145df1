"""The runner's one pre-run step for file sources: drift check, then reader registration.

Inside a pipeline query function Spark Connect refuses anything that runs a command (such as
registering a Python data source), so what readers need is set up here, before the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import FileSource
from pipelines.sources.drift import apply_schema_drift

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["prepare_file_sources"]


def prepare_file_sources(
    spark: SparkSession,
    config: LakehouseConfig,
    *,
    run_id: str,
    landing_root: str,
    table_format: str | None = "parquet",
) -> LakehouseConfig:
    """Check drift (see ``pipelines.sources.drift``) and register the xlsx data source.

    Returns the config the run uses. Raises ``SchemaDriftError`` like the drift check.
    """
    drifted = apply_schema_drift(
        spark, config, run_id=run_id, landing_root=landing_root, table_format=table_format
    )
    if any(isinstance(s.source, FileSource) and s.source.format == "xlsx" for s in config.sources):
        from pipelines.sources.xlsx import XlsxDataSource

        spark.dataSource.register(XlsxDataSource)
    return drifted
