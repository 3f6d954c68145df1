"""``lakehouse report``: one self-contained HTML page about a run."""

from pipelines.report.data import ReportData, collect_report
from pipelines.report.html import render_report

__all__ = ["ReportData", "collect_report", "render_report"]
