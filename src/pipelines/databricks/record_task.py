"""The daily job's ``record_ops`` task: each pipeline's finished updates into the ops tables.

``task_record_ops.py`` (the task's file) calls :func:`main` once ``--src`` is importable. The
recording itself is the platform-free ``pipelines.ops.from_eventlog`` -> ``ops.hook.record_run``,
the code path a local run ends with; this module only finds a pipeline's share of the config.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.databricks.define import PipelineSelection, select_specs
from pipelines.errors import LakehouseError
from pipelines.ops.from_eventlog import PipelineOps, record_pipeline

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["main", "pipeline_ops"]


def pipeline_ops(config: LakehouseConfig, pipeline: str) -> PipelineOps:
    """The sources and stored datasets of bundle pipeline ``pipeline`` (as ``lakehouse bundle``
    assigns them), with the graph its definition builds.

    Raises:
        LakehouseError: ``pipeline`` is not a pipeline of the config.
    """
    from pipelines.deploy.layout import plan_pipelines
    from pipelines.deploy.pipelines import event_log_table
    from pipelines.graph import build_graph
    from pipelines.ops.record import new_run_id
    from pipelines.spec import RunContext

    plans = {plan.key: plan for plan in plan_pipelines(config)}
    if pipeline not in plans:
        known = ", ".join(plans)
        raise LakehouseError(f"no pipeline '{pipeline}' in the config; known: {known}")
    plan = plans[pipeline]
    selection = PipelineSelection(pipeline, plan.sources, plan.gold, "", "", plan.entities)
    context = RunContext(run_id=new_run_id(), landing_root="", platform="databricks")
    specs = select_specs(
        build_graph(config, context), selection.datasets(config, reads_extracts=False)
    )
    mine = replace(config, sources=tuple(s for s in config.sources if s.name in plan.sources))
    return PipelineOps(mine, tuple(s for s in specs if s.stored), event_log_table(plan))


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """``task_record_ops.py --conf C --catalog CAT --pipeline P [--pipeline P2] --target T``.

    Exit 1 when an update breached a quality threshold (the job run fails, as the local run
    does), else 0.
    """
    from pipelines.config import load_config

    parser = argparse.ArgumentParser(prog="record_ops")
    parser.add_argument("--src", help="synced src/ folder (put on sys.path by the entry point)")
    parser.add_argument("--conf", required=True, help="synced src/conf folder")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--pipeline", action="append", required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args(argv)
    config = load_config(Path(args.conf))
    if spark is None:
        from pyspark.sql import SparkSession as Session

        spark = Session.builder.getOrCreate()
    spark.catalog.setCurrentCatalog(args.catalog)
    failed = False
    for pipeline in args.pipeline:
        new, breached = record_pipeline(
            spark, pipeline_ops(config, pipeline), pipeline, args.target
        )
        print(f"{pipeline}: recorded {len(new.runs)} run(s), {len(new.flows)} flow(s)")
        failed |= breached
    return 1 if failed else 0
