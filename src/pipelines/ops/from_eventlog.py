"""The Databricks side of the ops tables: a pipeline's event log -> ``record_run``.

On Databricks the runner does not follow the run: the daily job's last task
(``databricks/task_record_ops.py`` -> ``databricks/record_task.py``) reads the pipeline's event log
(``ops.event_log_<pipeline>``, or ``bronze_pii.`` for a pipeline that sees clear PII:
``deploy/pipelines.py``) and hands each finished update to the same
:func:`pipelines.ops.hook.record_run` a local run ends with, so the quality metrics, threshold
failures, reconciliation and alerts are one code path on both platforms.

Each finished update is recorded once: updates already in ``ops.pipeline_runs`` and updates
still running are left out. Counts, rule metrics and the reconciliation are read from the
tables as they are now, so they belong to the newest update only: an older update not recorded
yet (the task did not run after it) gets its run and flow rows from the event log alone. Rows a
streaming table appended come from the event log (``num_output_rows``): the tables' ``_run_id``
is the id the pipeline's definition drew, not the update id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from pipelines.config.loader import LakehouseConfig
from pipelines.events import FlowState
from pipelines.ops.eventlog import EventLogRecords, records_from_event_log
from pipelines.ops.tables import append_rows
from pipelines.redact import scrub_text
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["PipelineOps", "record_pipeline", "record_update", "unrecorded"]

_EVENTS = ("create_update", "update_progress", "flow_progress")


def unrecorded(records: EventLogRecords, recorded: set[str]) -> EventLogRecords:
    """The finished runs (and their flows) not yet in ``ops.pipeline_runs``."""
    runs = tuple(
        r for r in records.runs if r["run_id"] not in recorded and r["status"] != "RUNNING"
    )
    kept = {r["run_id"] for r in runs}
    return EventLogRecords(runs, tuple(f for f in records.flows if f["run_id"] in kept))


@dataclass(frozen=True)
class PipelineOps:
    """One pipeline's share of the config: its sources, and its stored datasets' specs."""

    config: LakehouseConfig
    specs: tuple[DatasetSpec, ...]
    event_log: str
    """Its event log table (``schema.event_log_<pipeline>``: ``deploy.pipelines``)."""


def record_pipeline(
    spark: SparkSession,
    ops: PipelineOps,
    pipeline: str,
    target: str,
    echo: Callable[[str], None] = print,
) -> tuple[EventLogRecords, bool]:
    """Record the finished updates of ``pipeline`` not recorded yet; returns them, and whether
    the newest breached a quality threshold (the update is then recorded as failed, as a local
    run is)."""
    kinds = ", ".join(f"'{k}'" for k in _EVENTS)
    events = spark.sql(
        "SELECT id, timestamp, event_type, origin, details, error "
        f"FROM {ops.event_log} WHERE event_type IN ({kinds})"
    ).collect()
    records = records_from_event_log([e.asDict(recursive=True) for e in events], target)
    append_rows(spark, "pipeline_runs", [], table_format=None)  # create on first use
    recorded = {r.run_id for r in spark.sql("SELECT run_id FROM ops.pipeline_runs").collect()}
    new = unrecorded(records, recorded)
    if not new.runs:
        return new, False
    *older, newest = new.runs
    older_ids = {r["run_id"] for r in older}
    if older:
        echo(f"{pipeline}: {len(older)} older update(s) recorded from the event log only")
        append_rows(spark, "pipeline_runs", older, table_format=None)
        flows = [f for f in new.flows if f["run_id"] in older_ids]
        append_rows(spark, "flow_metrics", flows, table_format=None)
    flows = [f for f in new.flows if f["run_id"] == newest["run_id"]]
    breached = record_update(spark, ops, newest, flows, echo)
    return new, breached


def record_update(
    spark: SparkSession,
    ops: PipelineOps,
    run: Mapping[str, Any],
    flows: Sequence[Mapping[str, Any]],
    echo: Callable[[str], None] = print,
) -> bool:
    """Record one update that just ended, with counts and rule metrics measured on the tables
    when it completed; returns whether a quality threshold was breached."""
    from pipelines.alerts.deliver import lookup_secret
    from pipelines.ops.counts import RunCounts, count_run
    from pipelines.ops.hook import record_run
    from pipelines.ops.measure import measure
    from pipelines.ops.quality import QualityThresholdError, check_thresholds, quality_metrics
    from pipelines.platform import platform_for

    run_row, flow_rows = dict(run), [dict(f) for f in flows]
    counts, quality, breached = None, None, False
    if run_row["status"] == "COMPLETED":
        run_id = run_row["run_id"]
        counted = count_run(spark, ops.config, ops.specs, run_id).values
        appended = {f"{f['dataset']}#appended": f["rows_out"] for f in flow_rows}
        streaming = {s.name for s in ops.specs if s.kind == "streaming_table"}
        totals = {k: v for k, v in counted.items() if not k.endswith("#appended")}
        totals |= {k: v for k, v in appended.items() if k[: -len("#appended")] in streaming}
        counts = RunCounts(totals)
        states = {f["dataset"]: FlowState(f["dataset"], state=f["status"]) for f in flow_rows}
        measured = measure(spark, ops.specs, states, run_id, totals)
        for row in flow_rows:
            if row["dataset"] in measured:
                found = measured[row["dataset"]]
                row |= {"rows_in": found.rows_in, "rows_out": found.rows_out}
                row["rows_quarantined"] = found.rows_quarantined
        quality = quality_metrics(spark, ops.config, run_id, totals)
        try:
            check_thresholds(run_id, quality)
        except QualityThresholdError as exc:  # the update failed its checks, as a local run
            run_row |= {"status": "FAILED", "error_summary": scrub_text(str(exc))[:2000]}
            echo(str(exc))
            breached = True
    databricks = partial(lookup_secret, platform=platform_for("databricks"))  # the secret scopes
    record_run(
        spark, ops.config, ops.specs, run_row, flow_rows, table_format=None, echo=echo,
        counts=counts, quality=quality, secrets=databricks,
    )  # fmt: skip
    return breached
