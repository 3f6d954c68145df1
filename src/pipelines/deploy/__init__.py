"""Deploying to Databricks: the asset bundle's resources, the Lakeflow entry point, the backfill
job and the Unity Catalog grants, all derived from the config tree.

Pure functions from a :class:`~pipelines.config.loader.LakehouseConfig` to plain data; the CLI
(``lakehouse bundle``, ``lakehouse grants``) writes or checks the files.
"""

from pipelines.deploy.bundle import BundleResult, bundle_files
from pipelines.deploy.files import GeneratedFile, stale_files, write_files
from pipelines.deploy.grants import grants_declaration, grants_file
from pipelines.deploy.layout import PipelinePlan, plan_pipelines

__all__ = [
    "BundleResult",
    "GeneratedFile",
    "PipelinePlan",
    "bundle_files",
    "grants_declaration",
    "grants_file",
    "plan_pipelines",
    "stale_files",
    "write_files",
]
