"""Read the ops tables back as plain rows: for alerts, ``lakehouse status`` and the report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pipelines.ops.tables import ops_columns

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "TableRows",
    "as_utc",
    "bind",
    "completion_times",
    "count_history",
    "counts_of_runs",
    "latest_flow_states",
    "newest_states",
    "query_rows",
    "recent_runs",
    "run_ends",
    "run_rows",
]

Row = dict[str, Any]

TableRows = Callable[[str, Sequence[str]], list[Row] | None]
"""The rows of an ops table (``ops.<name>``, the columns named) read from its files, apart from
Spark; None where they cannot be read so (the local adapter's
``pipelines.local.table_logs.TableLogs.rows``). A small read is a Spark query of its own, and
the first Delta reads of a local run's JVM cost seconds each (BENCHMARKS.md, session 22)."""


def _exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(f"ops.{table}"))


def query_rows(spark: SparkSession, tables: tuple[str, ...], sql: str, **params: Any) -> list[Row]:
    """Rows of ``sql`` (named ``:params``) as dicts; ``[]`` while an ops table is missing."""
    if not all(_exists(spark, t) for t in tables):
        return []
    return [row.asDict() for row in spark.sql(bind(sql, params)).collect()]


def latest_flow_states(
    spark: SparkSession, datasets: set[str]
) -> dict[str, tuple[str | None, str]]:
    """Per dataset of ``datasets``, the fingerprint and status of its newest
    ``ops.flow_metrics`` row (by its run's start); datasets never recorded are left out."""
    if not _exists(spark, "flow_metrics") or not _exists(spark, "pipeline_runs"):
        return {}
    if "fingerprint" not in spark.table("ops.flow_metrics").columns:
        return {}  # recorded before fingerprints were
    rows = spark.sql(
        """SELECT dataset, fingerprint, status FROM (
             SELECT f.dataset, f.fingerprint, f.status, row_number() OVER (
               PARTITION BY f.dataset ORDER BY r.started_at DESC) AS n
             FROM ops.flow_metrics f JOIN ops.pipeline_runs r ON f.run_id = r.run_id)
           WHERE n = 1"""
    ).collect()
    return {r["dataset"]: (r["fingerprint"], r["status"]) for r in rows if r["dataset"] in datasets}


def newest_states(
    flows: Iterable[Row], runs: Iterable[Row], datasets: set[str]
) -> dict[str, tuple[str | None, str]]:
    """``latest_flow_states`` of rows already read: ``flows`` of ``ops.flow_metrics``
    (``dataset``, ``fingerprint``, ``status``, ``run_id``), ``runs`` of ``ops.pipeline_runs``
    (``run_id``, ``started_at``). A flow of a run not recorded is left out, as by the join."""
    started = {r["run_id"]: r["started_at"] for r in runs}
    newest: dict[str, tuple[Any, tuple[str | None, str]]] = {}
    for flow in flows:
        if flow["dataset"] not in datasets or flow["run_id"] not in started:
            continue
        when, known = started[flow["run_id"]], newest.get(flow["dataset"])
        if known is None or (when is not None and (known[0] is None or when > known[0])):
            newest[flow["dataset"]] = (when, (flow["fingerprint"], flow["status"]))
    return {dataset: state for dataset, (_, state) in newest.items()}


def bind(sql: str, params: dict[str, Any]) -> str:
    """``sql`` with each ``:name`` of ``params`` replaced by its SQL literal.

    Not ``spark.sql(args=...)``: with Delta's session extension (delta-spark 4.4 on Spark 4.2)
    a parameterised query over Spark Connect fails with UNBOUND_SQL_PARAMETER, the parameters
    never reaching the analyzer. The values are escaped here, so nothing is injected.
    """
    if not params:
        return sql
    names = "|".join(re.escape(n) for n in sorted(params, key=len, reverse=True))
    return re.sub(rf":({names})\b", lambda m: _literal(params[m.group(1)]), sql)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{as_utc(value).strftime('%Y-%m-%d %H:%M:%S.%f')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def run_rows(
    spark: SparkSession, table: str, run_id: str, files: TableRows | None = None
) -> list[Row]:
    """Every row of ``ops.<table>`` for one run (from its files, where ``files`` reads them)."""
    read = files(f"ops.{table}", ops_columns(table)) if files is not None else None
    if read is not None:
        return [row for row in read if row["run_id"] == run_id]
    sql = f"SELECT * FROM ops.{table} WHERE run_id = :run_id"
    return query_rows(spark, (table,), sql, run_id=run_id)


def recent_runs(spark: SparkSession, limit: int) -> list[Row]:
    """The last ``limit`` runs of ``ops.pipeline_runs``, newest first."""
    return query_rows(
        spark, ("pipeline_runs",),
        f"SELECT * FROM ops.pipeline_runs ORDER BY started_at DESC, run_id DESC LIMIT {int(limit)}",
    )  # fmt: skip


def count_history(
    spark: SparkSession, exclude_run: str, window: int, files: TableRows | None = None
) -> list[Row]:
    """``dataset, rows_out, full_refresh`` of the successful runs other than ``exclude_run``,
    newest first, at most ``window`` per dataset and kind of run (full refresh or not).

    Read from the ops tables' files where ``files`` reads them (``counts_of_runs``), else
    queried."""
    if files is not None:
        runs = files("ops.pipeline_runs", ["run_id", "started_at", "status", "parameters"])
        flows = files("ops.flow_metrics", ["run_id", "dataset", "status", "rows_out"])
        if runs is not None and flows is not None:
            return counts_of_runs(flows, runs, exclude_run, window)
    return query_rows(
        spark,
        ("pipeline_runs", "flow_metrics"),
        """SELECT dataset, rows_out, full_refresh FROM (
             SELECT *, row_number() OVER (PARTITION BY dataset, full_refresh
                                          ORDER BY started_at DESC, run_id DESC) AS n
             FROM (SELECT f.dataset, f.rows_out, r.started_at, r.run_id,
                     coalesce(get_json_object(r.parameters, '$.full_refresh') = 'true', false)
                       AS full_refresh
                   FROM ops.flow_metrics f JOIN ops.pipeline_runs r ON f.run_id = r.run_id
                   WHERE r.status = 'COMPLETED' AND f.status = 'COMPLETED'
                     AND f.rows_out IS NOT NULL AND f.run_id <> :run_id))
           WHERE n <= :window ORDER BY dataset, started_at DESC, run_id DESC""",
        run_id=exclude_run,
        window=window,
    )


def counts_of_runs(
    flows: Iterable[Row], runs: Iterable[Row], exclude_run: str, window: int
) -> list[Row]:
    """``count_history`` of rows already read: ``flows`` of ``ops.flow_metrics`` (``run_id``,
    ``dataset``, ``status``, ``rows_out``), ``runs`` of ``ops.pipeline_runs`` (``run_id``,
    ``started_at``, ``status``, ``parameters``). The query's semantics: a flow of a run not
    recorded is left out (the join), newest by start with an unstarted run last (``DESC``
    puts NULLs last), then by run id."""
    completed = {r["run_id"]: r for r in runs if r["status"] == "COMPLETED"}
    picked = [
        (completed[f["run_id"]], f)
        for f in flows
        if f["run_id"] in completed and f["run_id"] != exclude_run
        and f["status"] == "COMPLETED" and f["rows_out"] is not None
    ]  # fmt: skip
    picked.sort(key=lambda pair: _newest_first(pair[0]), reverse=True)
    kept: list[Row] = []
    taken: dict[tuple[str, bool], int] = {}
    for run, flow in picked:
        group = (flow["dataset"], _full_refresh(run["parameters"]))
        taken[group] = taken.get(group, 0) + 1
        if taken[group] <= window:
            dataset, full = group
            kept.append({"dataset": dataset, "rows_out": flow["rows_out"], "full_refresh": full})
    return sorted(kept, key=lambda row: row["dataset"])  # stable: newest first within each


def _newest_first(run: Row) -> tuple[bool, datetime, str]:
    """A sort key, reversed: ``ORDER BY started_at DESC NULLS LAST, run_id DESC``."""
    started = run["started_at"]
    return started is not None, as_utc(started) if started else _EPOCH, run["run_id"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _full_refresh(parameters: str | None) -> bool:
    """``coalesce(get_json_object(parameters, '$.full_refresh') = 'true', false)``."""
    try:
        value = json.loads(parameters) if parameters else None
    except ValueError:
        return False
    if not isinstance(value, dict):
        return False
    flag = value.get("full_refresh")
    return flag is True or flag == "true"


def completion_times(
    spark: SparkSession, datasets: tuple[str, ...], since: datetime
) -> dict[str, list[datetime]]:
    """Per dataset, when the runs that completed it (since ``since``) ended, in UTC. A run that
    found it up to date (nothing new reached it) counts: it is as fresh as its inputs."""
    rows = query_rows(
        spark,
        ("pipeline_runs", "flow_metrics"),
        """SELECT f.dataset, r.ended_at FROM ops.flow_metrics f
           JOIN ops.pipeline_runs r ON f.run_id = r.run_id
           WHERE f.status IN ('COMPLETED', 'UP_TO_DATE') AND r.ended_at >= :since""",
        since=since,
    )
    times: dict[str, list[datetime]] = {name: [] for name in datasets}
    for row in rows:
        if row["dataset"] in times:
            times[row["dataset"]].append(as_utc(row["ended_at"]))
    return times


def run_ends(spark: SparkSession, since: datetime, exclude_run: str) -> list[datetime]:
    """When the runs other than ``exclude_run`` that ended since ``since`` ended, in UTC."""
    rows = query_rows(
        spark,
        ("pipeline_runs",),
        "SELECT ended_at FROM ops.pipeline_runs WHERE ended_at >= :since AND run_id <> :run_id",
        since=since,
        run_id=exclude_run,
    )
    return [as_utc(row["ended_at"]) for row in rows]


def as_utc(value: datetime) -> datetime:
    """Timestamps come back naive in the session time zone (UTC): make them aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
