"""Fill the ops tables from a Databricks pipeline's event log (the daily job's last task).

Locally the runner records ``ops.pipeline_runs`` and ``ops.flow_metrics`` itself; on Databricks
the pipeline's event log (``ops.event_log_<pipeline>``, see ``deploy/pipelines.py``) holds the
same facts, so one set of reports and alerts serves both. Each finished update is recorded once:
updates already in ``ops.pipeline_runs`` and updates still running are left out.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipelines.ops.eventlog import EventLogRecords, records_from_event_log
from pipelines.ops.tables import append_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["main", "unrecorded"]

_EVENTS = ("create_update", "update_progress", "flow_progress")


def unrecorded(records: EventLogRecords, recorded: set[str]) -> EventLogRecords:
    """The finished runs (and their flows) not yet in ``ops.pipeline_runs``."""
    runs = tuple(
        r for r in records.runs if r["run_id"] not in recorded and r["status"] != "RUNNING"
    )
    kept = {r["run_id"] for r in runs}
    return EventLogRecords(runs, tuple(f for f in records.flows if f["run_id"] in kept))


def record_pipeline(spark: SparkSession, pipeline: str, target: str) -> EventLogRecords:
    """Append the new finished updates of ``pipeline`` to the ops tables; returns them."""
    kinds = ", ".join(f"'{k}'" for k in _EVENTS)
    events = spark.sql(
        "SELECT id, timestamp, event_type, origin, details, error "
        f"FROM ops.event_log_{pipeline} WHERE event_type IN ({kinds})"
    ).collect()
    records = records_from_event_log([e.asDict(recursive=True) for e in events], target)
    append_rows(spark, "pipeline_runs", [], table_format=None)  # create on first use
    recorded = {r.run_id for r in spark.sql("SELECT run_id FROM ops.pipeline_runs").collect()}
    new = unrecorded(records, recorded)
    append_rows(spark, "pipeline_runs", new.runs, table_format=None)
    append_rows(spark, "flow_metrics", new.flows, table_format=None)
    return new


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """``record_ops.py --catalog C --pipeline P [--pipeline P2] --target T``."""
    parser = argparse.ArgumentParser(prog="record_ops")
    parser.add_argument("--src", help="synced src/ folder (put on sys.path by the entry point)")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--pipeline", action="append", required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args(argv)
    if spark is None:
        from pyspark.sql import SparkSession as Session

        spark = Session.builder.getOrCreate()
    spark.catalog.setCurrentCatalog(args.catalog)
    for pipeline in args.pipeline:
        new = record_pipeline(spark, pipeline, args.target)
        print(f"{pipeline}: recorded {len(new.runs)} run(s), {len(new.flows)} flow(s)")
    return 0
