"""The Lakeflow pipeline resource of one :class:`PipelinePlan`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipelines.databricks.define import (
    CONF_CATALOG,
    CONF_ENTITIES,
    CONF_GOLD,
    CONF_LANDING_ROOT,
    CONF_PATH,
    CONF_PIPELINE,
    CONF_SOURCES,
)
from pipelines.deploy.layout import CROSS_DOMAIN, PipelinePlan
from pipelines.deploy.variables import (
    CATALOG,
    LANDING_ROOT,
    RUNTIME_DEPENDENCIES,
    SRC_PATH,
    from_bundle_dir,
)
from pipelines.deploy.variables import CONF_PATH as CONF_FOLDER

__all__ = [
    "ENTRY_POINT",
    "EVENT_LOG_SCHEMA",
    "PII_EVENT_LOG_SCHEMA",
    "describe_pipeline",
    "event_log_table",
    "pipeline_resource",
]

ENTRY_POINT = "src/pipelines/databricks/pipeline.py"
"""The pipeline source file, relative to the repository root."""

EVENT_LOG_SCHEMA = "ops"
"""Event logs (durations, row counts, expectations, errors) are published as tables here..."""
PII_EVENT_LOG_SCHEMA = "bronze_pii"
"""...but those of pipelines whose flows see clear PII here: an engine error in the event log
may quote the value it failed on (``pipelines.pii.errors``), and ``ops`` has wider readers."""


def event_log_table(plan: PipelinePlan) -> str:
    """``<schema>.event_log_<pipeline>``: where ``plan``'s pipeline publishes its event log."""
    sees_pii = bool(plan.pii_sources or plan.entities)  # entities match on bronze_pii
    return f"{PII_EVENT_LOG_SCHEMA if sees_pii else EVENT_LOG_SCHEMA}.event_log_{plan.key}"


def pipeline_resource(
    plan: PipelinePlan,
    task_configuration: Mapping[str, str] | None = None,
    dependencies: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``resources.pipelines.<key>`` mapping.

    Serverless, current channel, triggered (jobs decide when); the catalog comes from the
    target, development mode from ``mode: development`` of the dev target.
    ``task_configuration``: what its daily job's tasks tell it (``JobTask.configuration``:
    where the JDBC extracts land). ``dependencies``: what its source types' readers need
    beyond the package's own (``SourceType.pipeline_dependencies``: pymongo).
    """
    configuration = {
        CONF_PIPELINE: plan.key,
        CONF_SOURCES: ",".join(plan.sources),
        CONF_GOLD: ",".join(plan.gold),
        CONF_PATH: CONF_FOLDER,
        CONF_LANDING_ROOT: LANDING_ROOT,
        CONF_CATALOG: CATALOG,
        **(task_configuration or {}),
    }
    if plan.entities:
        configuration[CONF_ENTITIES] = ",".join(plan.entities)
    event_schema, event_name = event_log_table(plan).split(".")
    return {
        "name": f"${{bundle.name}}-{plan.key}",
        "catalog": CATALOG,
        "schema": EVENT_LOG_SCHEMA,  # default schema; every dataset names its own (bronze.x)
        "serverless": True,
        "channel": "CURRENT",
        "continuous": False,
        "root_path": SRC_PATH,
        "libraries": [{"file": {"path": from_bundle_dir(ENTRY_POINT)}}],
        "environment": {"dependencies": [*RUNTIME_DEPENDENCIES, *dependencies]},
        "configuration": configuration,
        "event_log": {"catalog": CATALOG, "schema": event_schema, "name": event_name},
        "tags": {"lakehouse_pipeline": plan.key, "owners": "-".join(plan.owners)},
        # Removing a source's pipeline must not drop its tables: data outlives deployments.
        "cascade_on_destroy": False,
    }


def describe_pipeline(plan: PipelinePlan) -> str:
    """One line for the generated file's header."""
    if plan.key == CROSS_DOMAIN:
        return f"Pipeline {plan.key}: gold models that read several domains."
    return f"Pipeline of domain {plan.key}: bronze, silver, quarantine and its gold models."
