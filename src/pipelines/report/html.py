"""The run report as one self-contained HTML page: inline CSS and SVG, no network assets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from pipelines.report.data import ReportData
from pipelines.report.svg import STATUS_COLOURS, graph_svg, sparkline_svg

__all__ = ["render_report"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#263238;
margin:24px;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#78909c}.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;
padding:12px 16px;margin-bottom:12px;overflow-x:auto}
table{border-collapse:collapse}td,th{padding:4px 12px 4px 0;text-align:left;
vertical-align:middle}th{font-weight:600;border-bottom:1px solid #cfd8dc}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
svg.graph text.name{font:600 13px system-ui,sans-serif;fill:#263238}
svg.graph text.meta{font:12px system-ui,sans-serif}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:0 16px}
pre{white-space:pre-wrap;margin:0}.card table+table{margin-top:14px}
"""


def _badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#f9a825")
    return f'<span class="badge" style="background:{colour}">{escape(status.lower())}</span>'


def _cell(value: Any) -> str:
    if value is None:
        return '<td class="muted">-</td>'
    if isinstance(value, bool):
        return f"<td>{'yes' if value else '<b>NO</b>'}</td>"
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    if isinstance(value, float):
        return f'<td class="n">{value:,.1f}</td>'
    return f"<td>{value}</td>"  # already HTML


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(title: str, content: str) -> str:
    return f'<section><h2>{escape(title)}</h2><div class="card">{content}</div></section>'


def _layers(flows: Sequence[Mapping[str, Any]]) -> str:
    totals: dict[str, list[int]] = {}
    for flow in flows:
        layer = totals.setdefault(flow["layer"], [0, 0])
        layer[0] += 1
        layer[1] += flow["rows_out"] or 0
    return _table(
        ("layer", "datasets", "rows out"), ((escape(k), v[0], v[1]) for k, v in totals.items())
    )


def _quality(data: ReportData) -> str:
    parts = []
    if data.reconciliation:
        rows: list[tuple[Any, ...]] = []
        for r in data.reconciliation:
            checked = r["rows_silver"] + r["rows_duplicates"] + r["rows_quarantined"]
            rate = 100.0 * (checked - r["rows_quarantined"]) / checked if checked else 100.0
            rows.append((escape(r["dataset"]), checked, r["rows_quarantined"], f"{rate:.1f}%"))
        parts.append(_table(("source", "rows checked", "quarantined", "pass rate"), rows))
    if data.quality:
        rows = [
            (
                escape(q["dataset"]), escape(q["rule"]), escape(q["action"]), q["checked_rows"],
                q["failed_rows"], f"{100.0 - q['failed_pct']:.1f}%",
                "<b>breached</b>" if q["breached"] else "ok",
            )
            for q in data.quality
        ]  # fmt: skip
        headers = ("dataset", "rule", "action", "checked", "failed", "pass rate", "verdict")
        parts.append(_table(headers, rows))
    else:
        parts.append('<p class="muted">no per-rule quality metrics recorded for this run</p>')
    return "".join(parts)


def _reasons(reasons: Mapping[str, Sequence[tuple[str, int]]]) -> str:
    rows = [
        (escape(s), f"<code>{escape(r)}</code>", n)
        for s, pairs in reasons.items()
        for r, n in pairs
    ]
    return _table(("source", "reason", "rows"), rows) if rows else '<p class="muted">none</p>'


def _reconciliation(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return '<p class="muted">not reconciled (the run did not complete)</p>'
    headers = (
        "source",
        "read",
        "bronze",
        "silver",
        "quarantined",
        "duplicates",
        "superseded",
        "balanced",
    )
    keys = (
        "rows_read",
        "rows_bronze",
        "rows_silver",
        "rows_quarantined",
        "rows_duplicates",
        "rows_superseded",
        "balanced",
    )
    return _table(headers, ((escape(r["dataset"]), *(r[k] for k in keys)) for r in rows))


def _flows(data: ReportData) -> str:
    rows = [
        (
            escape(f["dataset"]), escape(f["layer"]), _badge(f["status"]), f["seconds"],
            f["rows_in"], f["rows_out"], f["rows_quarantined"],
            sparkline_svg(data.trends.get(f["dataset"], ())),
            escape(f["error"] or ""),
        )
        for f in data.flows
    ]  # fmt: skip
    headers = (
        "dataset",
        "layer",
        "status",
        "seconds",
        "rows in",
        "rows out",
        "quarantined",
        "recent runs",
        "error",
    )
    return _table(headers, rows)


def _alerts(alerts: Sequence[Mapping[str, Any]]) -> str:
    if not alerts:
        return '<p class="muted">no alerts raised</p>'
    rows = [
        (escape(a["severity"]), escape(a["kind"]), escape(a["title"]),
         f"<pre>{escape(a['detail'])}</pre>", escape(a["deliveries"] or "not sent"))
        for a in alerts
    ]  # fmt: skip
    return _table(("severity", "rule", "incident", "detail", "deliveries"), rows)


def render_report(data: ReportData) -> str:
    """The whole page."""
    run = data.run
    started, ended = run["started_at"], run["ended_at"]
    seconds = (ended - started).total_seconds() if ended else 0.0
    names = [f["dataset"] for f in data.flows]
    graph = graph_svg(
        names,
        data.edges,
        {f["dataset"]: f["status"] for f in data.flows},
        {f["dataset"]: f["seconds"] or 0.0 for f in data.flows},
    )
    error = f"<pre>{escape(run['error_summary'])}</pre>" if run["error_summary"] else ""
    header = (
        f"<h1>Run {escape(run['run_id'])} {_badge(run['status'])}</h1>"
        f'<div class="muted">target {escape(run["target"])} · trigger {escape(run["trigger"])}'
        f" · started {started:%Y-%m-%d %H:%M:%S} UTC · {seconds:.1f}s"
        f" · parameters <code>{escape(run['parameters'])}</code></div>{error}"
    )
    body = "".join(
        [
            header,
            _section("Graph", graph),
            _section("Datasets", _flows(data)),
            _section("Reconciliation", _reconciliation(data.reconciliation)),
            _section("Quality", _quality(data)),
            '<div class="grid">',
            _section("Rows per layer", _layers(data.flows)),
            _section("Top quarantine reasons", _reasons(data.reasons)),
            "</div>",
            _section("Alerts", _alerts(data.alerts)),
        ]
    )
    title = f"lakehouse run {escape(run['run_id'])}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )
