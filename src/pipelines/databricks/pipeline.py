"""Lakeflow pipeline source file: what every pipeline of the bundle runs on Databricks.

The pipeline's ``root_path`` (the synced ``src/``) is on ``sys.path``, so the package imports
as it does locally; its ``configuration`` names the datasets this pipeline owns. See
``pipelines.databricks.define`` for the logic (kept out of this file so it is unit tested).
"""

from pyspark.sql import SparkSession

from pipelines.databricks.define import define_pipeline

# Lakeflow provides a global `spark` in pipeline source files; the active session is the same.
_session = SparkSession.getActiveSession()
if _session is None:  # pragma: no cover - only outside a pipeline
    raise RuntimeError(
        "pipelines/databricks/pipeline.py runs inside a Lakeflow pipeline (no Spark session)"
    )
define_pipeline(_session)
