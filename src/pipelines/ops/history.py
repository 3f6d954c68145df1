"""Read the ops tables back as plain rows: for alerts, ``lakehouse status`` and the report."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "as_utc",
    "bind",
    "completion_times",
    "count_history",
    "latest_flow_states",
    "newest_states",
    "query_rows",
    "recent_runs",
    "run_ends",
    "run_rows",
]

Row = dict[str, Any]


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


def run_rows(spark: SparkSession, table: str, run_id: str) -> list[Row]:
    """Every row of ``ops.<table>`` for one run."""
    sql = f"SELECT * FROM ops.{table} WHERE run_id = :run_id"
    return query_rows(spark, (table,), sql, run_id=run_id)


def recent_runs(spark: SparkSession, limit: int) -> list[Row]:
    """The last ``limit`` runs of ``ops.pipeline_runs``, newest first."""
    return query_rows(
        spark, ("pipeline_runs",),
        f"SELECT * FROM ops.pipeline_runs ORDER BY started_at DESC, run_id DESC LIMIT {int(limit)}",
    )  # fmt: skip


def count_history(spark: SparkSession, exclude_run: str, window: int) -> list[Row]:
    """``dataset, rows_out, full_refresh`` of the successful runs other than ``exclude_run``,
    newest first, at most ``window`` per dataset and kind of run (full refresh or not)."""
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
