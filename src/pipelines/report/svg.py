"""Inline SVG for the run report: the dataset graph and count sparklines (pure, no assets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["STATUS_COLOURS", "graph_svg", "sparkline_svg"]

STATUS_COLOURS = {
    "COMPLETED": "#2e7d32",
    "UP_TO_DATE": "#81c784",
    "FAILED": "#c62828",
    "SKIPPED": "#9e9e9e",
    "CANCELED": "#9e9e9e",
}
_COLUMNS = {"bronze": 0, "silver": 1, "quarantine": 1, "gold": 2}
_NODE_H, _GAP_X, _GAP_Y, _PAD = 46, 70, 18, 12
_CHAR_W = 8.3  # average advance of the 13px bold label, generous


def _column(name: str) -> int:
    return _COLUMNS.get(name.split(".", maxsplit=1)[0], 3)


def graph_svg(
    datasets: Sequence[str],
    edges: Sequence[tuple[str, str]],
    status: Mapping[str, str],
    seconds: Mapping[str, float],
) -> str:
    """Datasets in columns by layer (bronze | silver, quarantine | gold), edges as curves."""
    columns: dict[int, list[str]] = {}
    for name in datasets:
        columns.setdefault(_column(name), []).append(name)
    where: dict[str, tuple[int, int, int]] = {}  # x, y, width
    x = _PAD
    for col in sorted(columns):
        node_w = max(170, int(max(len(n) for n in columns[col]) * _CHAR_W) + 28)
        for row, name in enumerate(columns[col]):
            where[name] = (x, _PAD + row * (_NODE_H + _GAP_Y), node_w)
        x += node_w + _GAP_X
    width = x - _GAP_X + _PAD
    rows = max((len(n) for n in columns.values()), default=1)
    height = _PAD * 2 + rows * (_NODE_H + _GAP_Y) - _GAP_Y
    parts = [
        f'<svg class="graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="dataset graph">'
    ]
    for source, target in edges:
        if source not in where or target not in where:
            continue
        (x1, y1, w1), (x2, y2, _) = where[source], where[target]
        x1, y1, y2 = x1 + w1, y1 + _NODE_H // 2, y2 + _NODE_H // 2
        mid = (x1 + x2) // 2
        parts.append(
            f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
            f'stroke="#90a4ae" stroke-width="1.5"/>'
        )
    for name in datasets:
        x, y, node_w = where[name]
        state = status.get(name, "SKIPPED")
        colour = STATUS_COLOURS.get(state, "#f9a825")
        label = f"{state.lower()} · {seconds.get(name, 0.0):.1f}s"
        parts.append(
            f'<g class="node" data-dataset="{escape(name)}">'
            f'<rect x="{x}" y="{y}" width="{node_w}" height="{_NODE_H}" rx="6" fill="#fff" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{x}" y="{y}" width="7" height="{_NODE_H}" rx="3" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 19}" class="name">{escape(name)}</text>'
            f'<text x="{x + 16}" y="{y + 36}" class="meta" fill="{colour}">{escape(label)}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(values: Sequence[int], width: int = 140, height: int = 28) -> str:
    """A small line of ``values`` (oldest first), the last point marked."""
    if not values:
        return '<span class="muted">no history</span>'
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = (width - 6) / max(len(values) - 1, 1)
    points = [
        (3 + i * step, height - 3 - (v - low) / span * (height - 6) if high != low else height / 2)
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    title = " → ".join(f"{v:,}" for v in values)
    return (
        f'<svg class="spark" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<polyline points="{path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="#1565c0"/></svg>'
    )
