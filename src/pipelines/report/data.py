"""What the run report shows, gathered from the ops tables and the lakehouse (Spark)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.config.loader import LakehouseConfig
from pipelines.errors import LakehouseError
from pipelines.graph import RunContext, build_graph
from pipelines.ops.history import query_rows, recent_runs, run_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["ReportData", "collect_report"]

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ReportData:
    """Everything ``render_report`` needs, as plain values.

    Attributes:
        run: The ``ops.pipeline_runs`` row of the run.
        flows: Its ``ops.flow_metrics`` rows, in graph order.
        edges: ``(input, dataset)`` pairs of the graph.
        quality: Its ``ops.quality_metrics`` rows.
        reconciliation: Its ``ops.reconciliation`` rows.
        reasons: Per source, ``(reason, rows)`` of its quarantine, most frequent first.
        trends: Per dataset, ``rows_out`` of the recent runs, oldest first (this run last).
        alerts: Its ``ops.alerts`` rows.
    """

    run: Row
    flows: tuple[Row, ...]
    edges: tuple[tuple[str, str], ...]
    quality: tuple[Row, ...] = ()
    reconciliation: tuple[Row, ...] = ()
    reasons: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    trends: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    alerts: tuple[Row, ...] = ()


def collect_report(
    spark: SparkSession, config: LakehouseConfig, run_id: str | None = None, history: int = 20
) -> ReportData:
    """The report of ``run_id`` (default: the last recorded run).

    Raises:
        LakehouseError: No run is recorded (or not that one).
    """
    runs = recent_runs(spark, 1) if run_id is None else run_rows(spark, "pipeline_runs", run_id)
    if not runs:
        raise LakehouseError(
            f"no run {run_id} in ops.pipeline_runs" if run_id else "no run recorded yet"
        )
    run = runs[0]
    order = {name: i for i, name in enumerate(config.datasets)}
    flows = sorted(
        run_rows(spark, "flow_metrics", run["run_id"]), key=lambda f: order.get(f["dataset"], 99)
    )
    specs = build_graph(config, RunContext(run_id=run["run_id"], landing_root="file:///"))
    edges = tuple((i, s.name) for s in specs for i in s.inputs)
    return ReportData(
        run=run,
        flows=tuple(flows),
        edges=edges,
        quality=tuple(run_rows(spark, "quality_metrics", run["run_id"])),
        reconciliation=tuple(run_rows(spark, "reconciliation", run["run_id"])),
        reasons={s.name: _reasons(spark, f"quarantine.{s.name}") for s in config.sources},
        trends=_trends(spark, run["started_at"], history),
        alerts=tuple(run_rows(spark, "alerts", run["run_id"])),
    )


def _reasons(spark: SparkSession, table: str, top: int = 5) -> tuple[tuple[str, int], ...]:
    if not spark.catalog.tableExists(table):
        return ()
    rows = spark.sql(
        f"SELECT reason, count(*) AS n FROM {table} LATERAL VIEW explode(_reasons) r AS reason "
        f"GROUP BY reason ORDER BY n DESC, reason LIMIT {top}"
    ).collect()
    return tuple((r["reason"], int(r["n"])) for r in rows)


def _trends(spark: SparkSession, until: Any, history: int) -> dict[str, tuple[int, ...]]:
    rows = query_rows(
        spark,
        ("pipeline_runs", "flow_metrics"),
        """SELECT dataset, rows_out FROM (
             SELECT f.dataset, f.rows_out, r.started_at, r.run_id, row_number() OVER (
               PARTITION BY f.dataset ORDER BY r.started_at DESC, r.run_id DESC) AS n
             FROM ops.flow_metrics f JOIN ops.pipeline_runs r ON f.run_id = r.run_id
             WHERE f.status = 'COMPLETED' AND f.rows_out IS NOT NULL AND r.started_at <= :until)
           WHERE n <= :history ORDER BY dataset, started_at, run_id""",
        until=until,
        history=history,
    )
    trends: dict[str, list[int]] = {}
    for row in rows:
        trends.setdefault(row["dataset"], []).append(int(row["rows_out"]))
    return {name: tuple(values) for name, values in trends.items()}
