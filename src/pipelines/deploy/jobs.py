"""Job resources: a daily job per pipeline and one parameterised backfill job.

Daily jobs refresh bronze, then silver (with quarantine), then gold, each a task of its own so
each retries on its own and logs on its own (scenario B); before bronze, the tasks its source
types ask for (``SourceType.job_tasks``: incremental JDBC sources' ``task_extract_jdbc.py``); any
failure notifies the failure emails and destinations (Slack/Teams) of the target. A domain
with a deadline starts early enough and carries a run-duration health rule, so a run that will
miss it alerts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipelines.config.deploy import DeploySettings
from pipelines.databricks.define import CONF_EXTRACTS_ROOT
from pipelines.deploy.layout import CROSS_DOMAIN, LAYERS, PipelinePlan
from pipelines.deploy.schedule import DailySchedule, daily_schedule
from pipelines.deploy.variables import (
    CATALOG,
    CONF_PATH,
    EXTRACTS_ROOT,
    FAILURE_DESTINATIONS,
    FAILURE_EMAILS,
    RUNTIME_DEPENDENCIES,
    SRC_PATH,
    from_bundle_dir,
    pipeline_id,
    qualified,
)
from pipelines.sources.types.base import JobTask

__all__ = [
    "BACKFILL_ENTRY_POINT",
    "BACKFILL_JOB",
    "BACKFILL_PARAMETERS",
    "EXTRACT_ENTRY_POINT",
    "FILE_WRITERS",
    "PII_FUNCTIONS_ENTRY_POINT",
    "PII_FUNCTIONS_TASK",
    "RECORD_OPS_ENTRY_POINT",
    "TAG_TABLES_ENTRY_POINT",
    "backfill_job",
    "daily_job",
    "daily_job_key",
    "extract_task",
    "pii_functions_task",
    "volume_of",
    "written_paths",
]

BACKFILL_JOB = "backfill"
BACKFILL_ENTRY_POINT = "src/pipelines/databricks/task_backfill.py"
BACKFILL_PARAMETERS = {
    "start_date": "",
    "end_date": "",
    "datasets": "",
    "full_refresh": "false",
}
"""Job parameters of the backfill job and their defaults (empty: not given)."""

RECORD_OPS_ENTRY_POINT = "src/pipelines/databricks/task_record_ops.py"
EXTRACT_ENTRY_POINT = "src/pipelines/databricks/task_extract_jdbc.py"
PII_FUNCTIONS_ENTRY_POINT = "src/pipelines/databricks/task_pii_functions.py"
PII_FUNCTIONS_TASK = "pii_functions"
TAG_TABLES_ENTRY_POINT = "src/pipelines/databricks/task_tag_tables.py"
FILE_WRITERS = {EXTRACT_ENTRY_POINT: "--extracts-root"}
"""The job tasks that write files, and the parameter naming where: ``lakehouse deploy check``
verifies that the identity running them may write there, and nothing more."""

_SDK = "databricks-sdk>=0.50"
_MILLIS_PER_MINUTE = 60_000
# Debounce of the cross-domain gold job's table trigger: domains finish minutes apart.
_TRIGGER_WAIT_SECONDS = 900


def written_paths(task: Mapping[str, Any]) -> list[str]:
    """Where a job task writes files (``FILE_WRITERS``); empty for a task that writes none."""
    python = task.get("spark_python_task") or {}
    entry = str(python.get("python_file", "")).removeprefix(from_bundle_dir(""))
    flag = FILE_WRITERS.get(entry)
    parameters = [str(p) for p in python.get("parameters", [])]
    return [parameters[i + 1] for i, p in enumerate(parameters[:-1]) if p == flag]


def volume_of(path: str) -> str | None:
    """``<schema>.<volume>`` of a path in the target catalog's volumes
    (``/Volumes/${var.catalog}/<schema>/<volume>/...``), None for any other path."""
    parts = path.split("/")
    if len(parts) < 5 or parts[:3] != ["", "Volumes", CATALOG] or not all(parts[3:5]):
        return None
    return f"{parts[3]}.{parts[4]}"


def daily_job_key(plan: PipelinePlan) -> str:
    """Resource key of the pipeline's daily job."""
    return f"{plan.key}_daily"


def _notifications(schedule: DailySchedule | None) -> dict[str, Any]:
    emails: dict[str, Any] = {"on_failure": FAILURE_EMAILS}
    webhooks: dict[str, Any] = {"on_failure": FAILURE_DESTINATIONS}
    if schedule is not None and schedule.alert_after_seconds is not None:
        emails["on_duration_warning_threshold_exceeded"] = FAILURE_EMAILS
        webhooks["on_duration_warning_threshold_exceeded"] = FAILURE_DESTINATIONS
    return {"email_notifications": emails, "webhook_notifications": webhooks}


def _retries(settings: DeploySettings) -> dict[str, Any]:
    jobs = settings.jobs
    return {
        "max_retries": jobs.max_retries,
        "min_retry_interval_millis": jobs.min_retry_interval_minutes * _MILLIS_PER_MINUTE,
        # A timed-out refresh retried would only push the run further past its deadline.
        "retry_on_timeout": False,
        "timeout_seconds": jobs.task_timeout_minutes * 60,
    }


def _layer_tasks(plan: PipelinePlan, settings: DeploySettings) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    for layer in LAYERS:
        tables = plan.tables(layer)
        if not tables:
            continue
        task: dict[str, Any] = {
            "task_key": layer,
            "description": f"Refresh {', '.join(tables)}",
        }
        if tasks:
            task["depends_on"] = [{"task_key": tasks[-1]["task_key"]}]
        task["pipeline_task"] = {
            "pipeline_id": pipeline_id(plan.key),
            "refresh_selection": [qualified(t) for t in tables],
        }
        tasks.append(task | _retries(settings))
    return tasks


def daily_job(
    plan: PipelinePlan,
    settings: DeploySettings,
    external_inputs: tuple[str, ...] = (),
    before_bronze: Sequence[JobTask] = (),
) -> dict[str, Any]:
    """The ``resources.jobs.<key>_daily`` mapping of one pipeline.

    Args:
        plan: The pipeline.
        settings: ``project.yml: deploy``.
        external_inputs: For the cross-domain gold pipeline, the tables of other pipelines it
            reads: the job runs when they change instead of on a clock.
        before_bronze: Tasks its source types need before the bronze refresh (the
            ``extract`` task of incremental JDBC sources: ``SourceType.job_tasks``).
    """
    job: dict[str, Any] = {
        "name": f"${{bundle.name}}-{plan.key}-daily",
        "description": _describe(plan, settings),
        "max_concurrent_runs": 1,
        "queue": {"enabled": True},  # a run due while a backfill runs waits, not skipped
        "timeout_seconds": settings.jobs.timeout_minutes * 60,
        "tags": {"lakehouse_pipeline": plan.key},
    }
    schedule = None
    if plan.key == CROSS_DOMAIN and external_inputs:
        job["trigger"] = {
            "pause_status": "UNPAUSED",
            "table_update": {
                "table_names": [qualified(t) for t in external_inputs],
                "condition": "ANY_UPDATED",
                "wait_after_last_change_seconds": _TRIGGER_WAIT_SECONDS,
            },
        }
    else:
        schedule = daily_schedule(settings, plan.key)
        job["schedule"] = {
            "quartz_cron_expression": schedule.quartz_cron,
            "timezone_id": schedule.timezone,
            "pause_status": "UNPAUSED",
        }
        if schedule.alert_after_seconds is not None:
            job["health"] = {
                "rules": [
                    {
                        "metric": "RUN_DURATION_SECONDS",
                        "op": "GREATER_THAN",
                        "value": schedule.alert_after_seconds,
                    }
                ]
            }
    job |= _notifications(schedule)
    layers = _layer_tasks(plan, settings)
    environments = [_environment("ops", [])]
    if before_bronze:
        first = layers[0]
        after = [{"task_key": t.task["task_key"]} for t in before_bronze]
        layers[0] = {"task_key": first.pop("task_key"), "description": first.pop("description")}
        layers[0] |= {"depends_on": after, **first}
        layers[:0] = [dict(t.task) for t in before_bronze]
        for key, extra in dict(t.environment for t in before_bronze).items():
            environments.append(_environment(key, list(extra)))
    last = layers[-1]["task_key"]
    job["tasks"] = [*layers, _tag_tables_task(plan, last), _record_ops_task(plan, last)]
    job["environments"] = environments
    return job


def extract_task(sources: tuple[str, ...], settings: DeploySettings) -> JobTask:
    """First task: incremental JDBC rows newer than the watermark, as Parquet files in the
    extracts volume (``EXTRACTS_ROOT``) the bronze streaming tables read (named by the job run:
    one extract a run); the pipeline is told the same root (``lakehouse.extracts_root``)."""
    parameters = ["--src", SRC_PATH, "--conf", CONF_PATH, "--extracts-root", EXTRACTS_ROOT]
    parameters += ["--run-id", "{{job.run_id}}", "--catalog", CATALOG]  # retention reads bronze
    for source in sources:
        parameters += ["--source", source]
    task = {
        "task_key": "extract",
        "description": f"Extract the new rows of {', '.join(sources)} (incremental JDBC)",
        "environment_key": "extract",
        "spark_python_task": {
            "python_file": from_bundle_dir(EXTRACT_ENTRY_POINT),
            "parameters": parameters,
        },
    } | _retries(settings)
    return JobTask(task, ("extract", (_SDK,)), {CONF_EXTRACTS_ROOT: EXTRACTS_ROOT})


def pii_functions_task(settings: DeploySettings) -> JobTask:
    """Before any update of a pipeline with ``bronze_pii`` tables: the mask functions their
    definitions name (``MASK bronze_pii.pii_redact``), created as the identity that runs the
    job and the pipeline (``pipelines.pii.unity``), so they exist when the update defines the
    tables and return clear values to that identity."""
    parameters = ["--src", SRC_PATH, "--conf", CONF_PATH, "--catalog", CATALOG]
    task = {
        "task_key": PII_FUNCTIONS_TASK,
        "description": "Create the PII mask functions the bronze_pii tables declare",
        "environment_key": "pii",
        "spark_python_task": {
            "python_file": from_bundle_dir(PII_FUNCTIONS_ENTRY_POINT),
            "parameters": parameters,
        },
    } | _retries(settings)
    return JobTask(task, ("pii", ()))


def _tag_tables_task(plan: PipelinePlan, after: str) -> dict[str, Any]:
    """After the last refresh: the tables' owner and PII tags (``pipelines.deploy.tags``: a
    pipeline definition cannot carry tags)."""
    parameters = ["--src", SRC_PATH, "--conf", CONF_PATH, "--catalog", CATALOG]
    parameters += ["--pipeline", plan.key]
    return {
        "task_key": "tag_tables",
        "description": "Tag the tables: owner, domain, layer; PII class and mask of columns",
        "depends_on": [{"task_key": after}],
        "environment_key": "ops",
        "spark_python_task": {
            "python_file": from_bundle_dir(TAG_TABLES_ENTRY_POINT),
            "parameters": parameters,
        },
        "max_retries": 1,
        "timeout_seconds": 900,
    }


def _record_ops_task(plan: PipelinePlan, after: str) -> dict[str, Any]:
    """Last task: the run's event log into ``ops.*``, whether the refresh worked or not."""
    parameters = ["--src", SRC_PATH, "--conf", CONF_PATH, "--catalog", "${var.catalog}"]
    parameters += ["--pipeline", plan.key, "--target", "${bundle.target}"]
    return {
        "task_key": "record_ops",
        "description": "Record the run (event log): runs, flows, quality, reconciliation, alerts",
        "depends_on": [{"task_key": after}],
        "run_if": "ALL_DONE",
        "environment_key": "ops",
        "spark_python_task": {
            "python_file": from_bundle_dir(RECORD_OPS_ENTRY_POINT),
            "parameters": parameters,
        },
        "max_retries": 1,
        "timeout_seconds": 900,
    }


def _environment(key: str, extra: list[str]) -> dict[str, Any]:
    spec = {"environment_version": "4", "dependencies": [*extra, *RUNTIME_DEPENDENCIES]}
    return {"environment_key": key, "spec": spec}


def _describe(plan: PipelinePlan, settings: DeploySettings) -> str:
    steps = " -> ".join(layer for layer in LAYERS if plan.tables(layer))
    if plan.key == CROSS_DOMAIN:
        return f"Refreshes the cross-domain gold models ({steps}) when their inputs change."
    schedule = daily_schedule(settings, plan.key)
    text = f"Daily refresh of {plan.key} ({steps}) at {schedule.start} {schedule.timezone}"
    if schedule.deadline is not None:
        text += f", ready by {schedule.deadline} (alerts when a run may miss it)"
    return text + "."


def backfill_job(
    plans: tuple[PipelinePlan, ...], settings: DeploySettings, before: Sequence[JobTask] = ()
) -> dict[str, Any]:
    """The ``resources.jobs.backfill`` mapping: refresh or fully refresh named datasets.

    A Python task (the Databricks SDK's ``start_update`` with ``refresh_selection`` or
    ``full_refresh_selection``) because a pipeline task cannot take its selection from a job
    parameter. It runs from the synced source, not a wheel (see ``RUNTIME_DEPENDENCIES``).
    ``before``: tasks every pipeline update needs first (the PII mask functions).
    """
    parameters = [
        "--src", SRC_PATH,
        "--conf", CONF_PATH,
        "--catalog", "${var.catalog}",
    ]  # fmt: skip
    for plan in plans:
        parameters += ["--pipeline", f"{plan.key}={pipeline_id(plan.key)}"]
    for name in BACKFILL_PARAMETERS:
        parameters += [f"--{name.replace('_', '-')}", f"{{{{job.parameters.{name}}}}}"]
    return {
        "name": "${bundle.name}-backfill",
        "description": (
            "Backfill: refresh (full_refresh=true: recompute from every landed file) the named "
            "datasets (comma separated logical names, e.g. silver.product_catalog; empty: all) "
            "in pipeline order. start_date/end_date (YYYY-MM-DD) bound the delivery dates "
            "checked in bronze afterwards."
        ),
        "max_concurrent_runs": 1,
        "timeout_seconds": settings.jobs.timeout_minutes * 60,
        "tags": {"lakehouse_pipeline": "all"},
        "parameters": [{"name": k, "default": v} for k, v in BACKFILL_PARAMETERS.items()],
        **_notifications(None),
        "tasks": [
            *(dict(t.task) for t in before),
            {
                "task_key": "backfill",
                **(
                    {"depends_on": [{"task_key": t.task["task_key"]} for t in before]}
                    if before
                    else {}
                ),
                "environment_key": "backfill",
                "spark_python_task": {
                    "python_file": from_bundle_dir(BACKFILL_ENTRY_POINT),
                    "parameters": parameters,
                },
                # Not retried: a half-done full refresh is for a person to look at.
                "max_retries": 0,
                "timeout_seconds": settings.jobs.timeout_minutes * 60,
            },
        ],
        "environments": [
            *(
                _environment(key, list(extra))
                for key, extra in dict(t.environment for t in before).items()
            ),
            _environment("backfill", [_SDK]),
        ],
    }
