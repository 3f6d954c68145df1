"""The ``ops`` schema's tables: one fixed schema each, appended to after every run.

These tables are not part of the pipeline graph: the runner writes them once a run has ended
(locally from its own bookkeeping; on Databricks the same tables are filled from the event
log), so one set of reports and alerts serves both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["OPS_TABLES", "append_rows"]

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

# Every run appends a few rows to each ops table, one small file per append: a year of hourly
# runs would leave ~9,000 files per table, and the reads every run makes (the alert rules'
# history, the up-to-date check) would list and open them all. Delta's auto compaction (a
# post-commit hook, on both platforms) rewrites a table's small files into one once 50 have
# gathered, so those reads stay the size of the rows, not of the number of runs.
_COMPACTION = "delta.autoOptimize.autoCompact"


def append_rows(
    spark: SparkSession,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    table_format: str | None = "delta",
) -> int:
    """Append ``rows`` to ``ops.<table>``, creating it on first use; returns rows written.

    Raises:
        LakehouseError: ``table`` is not an ops table, or a row has keys it does not know.
    """
    if table not in OPS_TABLES:
        raise LakehouseError(f"unknown ops table '{table}'; known: {', '.join(OPS_TABLES)}")
    columns = [part.strip().split(" ")[0] for part in OPS_TABLES[table].split(",")]
    for row in rows:
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise LakehouseError(f"ops.{table}: unknown column(s) {', '.join(unknown)}")
    delta = table_format in ("delta", None)  # None: the platform's default, Delta on Databricks
    using = f" USING {table_format}" if table_format else ""
    properties = f" TBLPROPERTIES ('{_COMPACTION}' = 'true')" if delta else ""
    spark.sql(f"CREATE TABLE IF NOT EXISTS ops.{table} ({OPS_TABLES[table]}){using}{properties}")
    _add_new_columns(spark, table, columns)
    if delta:
        _compacted(spark, table)
    if not rows:
        return 0
    values = [tuple(row.get(c) for c in columns) for row in rows]
    # One file per append (the rows are few): createDataFrame splits them over the cores.
    frame = spark.createDataFrame(values, schema=OPS_TABLES[table]).coalesce(1)
    frame.write.insertInto(f"ops.{table}")
    return len(values)


def _compacted(spark: SparkSession, table: str) -> None:
    """Auto compaction on a table created before it was set at creation (once: one commit)."""
    keys = {row["key"] for row in spark.sql(f"SHOW TBLPROPERTIES ops.{table}").collect()}
    if _COMPACTION not in keys:
        spark.sql(f"ALTER TABLE ops.{table} SET TBLPROPERTIES ('{_COMPACTION}' = 'true')")


def _add_new_columns(spark: SparkSession, table: str, columns: Sequence[str]) -> None:
    """Columns added to a table's schema since it was created (appended, at its end)."""
    existing = set(spark.table(f"ops.{table}").columns)
    if existing.issuperset(columns):
        return
    ddl = [part.strip() for part in OPS_TABLES[table].split(",")]
    added = [d for d, name in zip(ddl, columns, strict=True) if name not in existing]
    spark.sql(f"ALTER TABLE ops.{table} ADD COLUMNS ({', '.join(added)})")
