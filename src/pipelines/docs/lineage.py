"""The lineage graph as inline SVG: one column per layer, an edge per dependency."""

from __future__ import annotations

from html import escape

from pipelines.docs.dictionary import DatasetDoc

__all__ = ["lineage_svg"]

_COLUMN = {"bronze": 0, "bronze_pii": 0, "silver": 1, "quarantine": 1, "gold": 2}
_FILL = {"bronze": "#f0dcc4", "bronze_pii": "#f6c9c9", "silver": "#e1e6ea",
         "quarantine": "#f9d3a5", "gold": "#f5e08a"}  # fmt: skip
_W, _H, _GAP_X, _GAP_Y = 330, 26, 60, 10


def lineage_svg(docs: tuple[DatasetDoc, ...], edges: tuple[tuple[str, str], ...]) -> str:
    """An SVG with a box per dataset (linking to its section) and a curve per edge."""
    rows = [0, 0, 0]
    at: dict[str, tuple[int, int]] = {}
    for doc in docs:
        column = _COLUMN.get(doc.layer, 2)
        at[doc.name] = (column * (_W + _GAP_X), rows[column] * (_H + _GAP_Y))
        rows[column] += 1
    height = max(rows) * (_H + _GAP_Y)
    width = 3 * _W + 2 * _GAP_X
    curves = "".join(_edge(at[a], at[b]) for a, b in edges if a in at and b in at)
    boxes = "".join(_box(doc, *at[doc.name]) for doc in docs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage">{curves}{boxes}</svg>'
    )


def _edge(start: tuple[int, int], end: tuple[int, int]) -> str:
    x1, y1 = start[0] + _W, start[1] + _H // 2
    x2, y2 = end[0], end[1] + _H // 2
    middle = (x1 + x2) // 2
    return (
        f'<path d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" '
        f'fill="none" stroke="#8a96a3" stroke-width="1.2"/>'
    )


def _box(doc: DatasetDoc, x: int, y: int) -> str:
    return (
        f'<a href="#{escape(doc.name)}"><rect x="{x}" y="{y}" width="{_W}" height="{_H}" rx="4" '
        f'fill="{_FILL.get(doc.layer, "#eee")}" stroke="#8a96a3"/>'
        f'<text x="{x + 8}" y="{y + 17}" font-size="12">{escape(doc.name)}</text></a>'
    )
