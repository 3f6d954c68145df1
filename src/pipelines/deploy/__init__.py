"""Deploying to Databricks: the asset bundle's resources, the Lakeflow entry point, the backfill
job, the Unity Catalog grants and the secret scopes, all derived from the config tree.

Pure functions from a :class:`~pipelines.config.loader.LakehouseConfig` to plain data; the CLI
(``lakehouse bundle``, ``lakehouse grants``) writes or checks the files.
"""

from pipelines.deploy.bundle import BundleResult, bundle_files
from pipelines.deploy.files import GeneratedFile, stale_files, write_files
from pipelines.deploy.grants import grants_declaration, grants_file
from pipelines.deploy.layout import PipelinePlan, plan_pipelines
from pipelines.deploy.secret_scopes import secret_scopes_declaration, secret_scopes_file

__all__ = [
    "BundleResult",
    "GeneratedFile",
    "PipelinePlan",
    "bundle_files",
    "grants_declaration",
    "grants_file",
    "plan_pipelines",
    "secret_scopes_declaration",
    "secret_scopes_file",
    "stale_files",
    "write_files",
]
