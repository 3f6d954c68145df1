"""SQL text the package writes for Databricks (table schemas, functions, tags): one way to
quote a string literal."""

from __future__ import annotations

__all__ = ["sql_literal"]


def sql_literal(text: str) -> str:
    """``text`` as a Spark SQL string literal: backslash escapes (``'it\\'s'``), since Spark
    reads ``'it''s'`` as two adjacent literals, ``its``."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
