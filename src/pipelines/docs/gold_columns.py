"""Types and PII tags of gold columns, read from the model's SQL and its inputs' contracts.

A gold model declares its columns' descriptions, not their types: the dictionary used to show
them untyped, and a PII column selected from silver (a masked phone number) lost its tag. The
SQL is parsed with sqlglot (Spark dialect) against the contracts of the tables it reads:
each output column's type is sqlglot's type of its expression, and it carries the PII tag of
the input columns it comes from when it still holds their text (``phone AS phone_masked``;
``phone IS NOT NULL`` is a boolean, no PII). What cannot be told stays blank: the docs never
fail on a query sqlglot does not follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.config.model import GoldModel
from pipelines.contracts import Contract, sql_schema

__all__ = ["GoldColumn", "gold_columns"]


@dataclass(frozen=True)
class GoldColumn:
    """What the SQL says about one output column (blank: it could not tell)."""

    type: str = ""
    pii: str = ""


def gold_columns(
    model: GoldModel, published: Mapping[str, Contract], pii: Mapping[str, str]
) -> dict[str, GoldColumn]:
    """Output column name -> type and PII tag. ``pii``: ``layer.table.column`` -> its tag
    (sources and entities, and gold models documented before this one)."""
    if model.sql is None:
        return {}
    try:
        return _columns(model.sql, sql_schema(published), pii)
    except Exception:  # sqlglot could not follow the query: the names alone, as before
        return {}


def _columns(sql: str, schema: dict[str, object], pii: Mapping[str, str]) -> dict[str, GoldColumn]:
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.annotate_types import annotate_types
    from sqlglot.optimizer.qualify import qualify

    tree = sqlglot.parse_one(sql, dialect="spark")
    typed = annotate_types(
        qualify(tree, schema=schema, dialect="spark", validate_qualify_columns=False),
        schema=schema,
    )
    assert isinstance(typed, exp.Query)
    found = {}
    for select in typed.selects:
        name = select.alias_or_name.lower()
        kind = select.type.sql("spark").lower() if select.type else ""
        kind = "" if kind in {"unknown", "null"} else kind
        tags = []
        if kind in {"", "string"}:
            node = lineage(name, sql, schema=schema, dialect="spark")
            for leaf in node.walk():
                table = leaf.source if isinstance(leaf.source, exp.Table) else None
                if leaf.downstream or table is None:
                    continue
                column = leaf.name.split(".")[-1].lower()
                tag = pii.get(f"{table.db}.{table.name}.{column}".lower())
                if tag and tag not in tags:
                    tags.append(tag)
        found[name] = GoldColumn(kind, ", ".join(tags))
    return found
