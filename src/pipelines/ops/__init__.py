"""Operational tables (``ops.*``): what each run did, for status, reports and alerts."""

from pipelines.ops.tables import OPS_TABLES, append_rows

__all__ = ["OPS_TABLES", "append_rows"]
