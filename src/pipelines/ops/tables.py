"""The ``ops`` schema's tables: one fixed schema each, appended to after every run.

These tables are not part of the pipeline graph: the runner writes them once a run has ended
(locally from its own bookkeeping; on Databricks the same tables are filled from the event
log), so one set of reports and alerts serves both.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["OPS_TABLES", "append_rows", "existing_ops_tables", "ops_columns"]

OPS_TABLES: Mapping[str, str] = {
    "pipeline_runs": (
        "run_id STRING, target STRING, trigger STRING, parameters STRING, "
        "started_at TIMESTAMP, ended_at TIMESTAMP, status STRING, error_summary STRING"
    ),
    "flow_metrics": (
        "run_id STRING, dataset STRING, layer STRING, status STRING, rows_in BIGINT, "
        "rows_out BIGINT, rows_quarantined BIGINT, seconds DOUBLE, error STRING, "
        "fingerprint STRING"
    ),
    "reconciliation": (
        "run_id STRING, dataset STRING, rows_read BIGINT, rows_bronze BIGINT, "
        "rows_silver BIGINT, rows_quarantined BIGINT, rows_duplicates BIGINT, "
        "rows_superseded BIGINT, balanced BOOLEAN"
    ),
    "quality_metrics": (
        "run_id STRING, dataset STRING, rule STRING, action STRING, failed_rows BIGINT, "
        "checked_rows BIGINT, failed_pct DOUBLE, threshold_pct DOUBLE, breached BOOLEAN"
    ),
    "schema_changes": (
        "run_id STRING, dataset STRING, column_name STRING, change STRING, old_type STRING, "
        "new_type STRING, policy STRING, detected_at TIMESTAMP, old_name STRING, new_name STRING"
    ),
    "file_records": (
        "dataset STRING, file STRING, size BIGINT, modified_ns BIGINT, records BIGINT, "
        "run_id STRING"
    ),
    "alerts": (
        "run_id STRING, incident_key STRING, kind STRING, severity STRING, dataset STRING, "
        "title STRING, detail STRING, raised_at TIMESTAMP, deliveries STRING"
    ),
}
"""Table name (in schema ``ops``) -> its columns as a Spark DDL string."""


def ops_columns(table: str) -> list[str]:
    """The column names of ``ops.<table>``, in order."""
    return [part.strip().split(" ")[0] for part in OPS_TABLES[table].split(",")]


def append_rows(
    spark: SparkSession,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    table_format: str | None = "delta",
    existing: Collection[str] = (),
) -> int:
    """Append ``rows`` to ``ops.<table>``, creating it on first use; returns rows written.

    ``existing``: ops tables known to exist (``existing_ops_tables``), not created again.

    Raises:
        LakehouseError: ``table`` is not an ops table, or a row has keys it does not know.
    """
    if table not in OPS_TABLES:
        raise LakehouseError(f"unknown ops table '{table}'; known: {', '.join(OPS_TABLES)}")
    columns = ops_columns(table)
    for row in rows:
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise LakehouseError(f"ops.{table}: unknown column(s) {', '.join(unknown)}")
    using = f" USING {table_format}" if table_format else ""
    if table not in existing:
        spark.sql(f"CREATE TABLE IF NOT EXISTS ops.{table} ({OPS_TABLES[table]}){using}")
    _add_new_columns(spark, table, columns)
    if not rows:
        return 0
    values = [tuple(row.get(c) for c in columns) for row in rows]
    # One file per append (the rows are few; createDataFrame splits them over the cores). The
    # reads every run makes of these tables grow with their files, ~0.3 s per 100 runs
    # (benchmarks/ops_history.py). Delta's auto compaction keeps them flat but cost ~7 s in
    # every `lakehouse run` process (its post-commit hook in a cold JVM), as much as ~1,000 runs
    # of growth: `OPTIMIZE ops.<table>` now and then does it without the per-run cost (README).
    frame = spark.createDataFrame(values, schema=OPS_TABLES[table]).coalesce(1)
    frame.write.insertInto(f"ops.{table}")
    return len(values)


def existing_ops_tables(spark: SparkSession) -> frozenset[str]:
    """The ops tables that exist, in one catalog call. After a run the ops appends go out at
    once, and each one's ``CREATE TABLE IF NOT EXISTS`` is a catalog round trip of its own
    (0.2-0.8 s each, measured in the tests' warm session): those are left to tables missing
    here. A table dropped between this listing and its append fails that append, which the
    caller reports; the next run creates it."""
    try:
        rows = spark.sql("SHOW TABLES IN ops").collect()
    except Exception:  # no ops schema yet: every append creates its table (and says why not)
        return frozenset()
    listed = {row.tableName for row in rows if not row.isTemporary}  # not a session's views
    return frozenset(listed & OPS_TABLES.keys())


def _add_new_columns(spark: SparkSession, table: str, columns: Sequence[str]) -> None:
    """Columns added to a table's schema since it was created (appended, at its end)."""
    existing = set(spark.table(f"ops.{table}").columns)
    if existing.issuperset(columns):
        return
    ddl = [part.strip() for part in OPS_TABLES[table].split(",")]
    added = [d for d, name in zip(ddl, columns, strict=True) if name not in existing]
    spark.sql(f"ALTER TABLE ops.{table} ADD COLUMNS ({', '.join(added)})")
