"""Gold SQL whose every read of silver is a grouped part, each foldable, under a query of them.

A report such as the hotel's daily one reads two silver tables, each only through a ``WITH``
clause that aggregates it by day (``rooms``, ``extras``); everything after (the days between
the first and the last, the joins, the ratios) reads those daily sums, a few hundred rows, never
silver. Such a query is a function of its parts' partial sums: fold each part's changes into
its partials (``pipelines.config.sqlagg``, ``pipelines.local.mart_groups``), and the query over
the parts' rows follows without reading silver again. This module splits it (``Composed``):

- **parts**: each ``WITH`` clause that aggregates one silver table (``Grouped``), directly or
  through one row-wise clause over it (a filter and projection, a generator such as
  ``explode`` included: each of its rows comes from one silver row, so its sums still add
  row by row). ``stays`` (a row per night of a booking) is such a clause, ``rooms`` its part.
- **outer**: the query with each part's clause reading the part's rows instead (a temporary
  view, named at use), and the row-wise clauses gone. It reads no silver table.

Refused, with the reason: a query without ``WITH``, a clause or the query itself reading silver
other than so (a join of silver tables, a window over silver, a row-wise clause another clause
or the query reads), a nested ``WITH``, a table of another layer, the clock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlglot import exp

from pipelines.config.sqlagg import Grouped, grouped_query
from pipelines.config.sqlast import query_tree, reads_clock, row_wise_query

__all__ = ["NO_WITH", "Composed", "Part", "composed_query"]

NO_WITH = "it has no WITH clause"

_PART = "__part_{}__"  # a part's place in the outer template, named at use
_ROWS = "__rows_input__"  # the silver table's place in a row-wise clause's template


@dataclass(frozen=True, eq=False)
class Part:
    """A ``WITH`` clause that aggregates one silver table, maybe through a row-wise clause."""

    name: str  # the clause's name (lower case)
    table: str  # silver.<name>
    plan: Grouped  # over the silver table's rows, or over the row-wise clause's
    columns: frozenset[str]  # every name it reads of the silver table
    _rows: exp.Select | None = field(repr=False)  # the row-wise clause, over ``_ROWS``

    def rows_sql(self, view: str) -> str | None:
        """The row-wise clause over ``view`` (a view with the silver table's columns), the
        rows ``plan`` aggregates; None: ``plan`` aggregates the silver table's own rows."""
        return None if self._rows is None else _named(self._rows, {_ROWS: view})


@dataclass(frozen=True, eq=False)
class Composed:
    """A query over grouped parts of silver tables (see the module docstring)."""

    parts: tuple[Part, ...]
    _outer: exp.Query = field(repr=False)

    @property
    def tables(self) -> tuple[str, ...]:
        """The silver tables it reads, in name order."""
        return tuple(sorted({p.table for p in self.parts}))

    def outer_sql(self, views: dict[str, str]) -> str:
        """The query's rows from its parts' rows, each in a view (``views``: part -> view)."""
        return _named(self._outer, {_PART.format(p): v for p, v in views.items()})


def _named(template: exp.Expr, names: dict[str, str]) -> str:
    tree = template.copy()
    for table in tree.find_all(exp.Table):
        if table.name in names:
            table.set("this", exp.to_identifier(names[table.name]))
    return tree.sql(dialect="spark")


@functools.lru_cache(maxsize=512)
def composed_query(sql: str) -> Composed | str:
    """``sql`` split into grouped parts and the query over them, or why not."""
    tree = query_tree(sql)
    why = _refused(tree, sql)
    if why is not None:
        return why
    assert tree is not None
    row_wise: dict[str, _RowWise] = {}
    parts: list[Part] = []
    for cte in tree.args["with_"].expressions:
        name, body = cte.alias_or_name.lower(), cte.this
        tables = list(body.find_all(exp.Table))
        if not any(t.db or t.name.lower() in row_wise for t in tables):
            continue  # reads no silver: the outer query's
        found = _part(name, body, tables, row_wise)
        if isinstance(found, str):
            return f"its clause {name}: {found}"
        if isinstance(found, Part):
            parts.append(found)
        else:
            row_wise[name] = found
    if not parts:
        return "none of its WITH clauses aggregates a silver table"
    outer = _outer(tree, {p.name for p in parts}, set(row_wise))
    return outer if isinstance(outer, str) else Composed(tuple(parts), outer)


def _refused(tree: exp.Query | None, sql: str) -> str | None:
    """Why ``tree`` (the parse of ``sql``) cannot be split at all (None: it may be)."""
    if tree is None:
        return "it is not one query"
    if reads_clock(sql):
        return "it calls the clock or a random function"
    if tree.args.get("with_") is None:
        return NO_WITH
    if sum(1 for _ in tree.find_all(exp.With)) > 1:
        return "it has a WITH clause inside another"
    for table in tree.find_all(exp.Table):
        if table.db and table.db.lower() != "silver":
            return f"it reads {table.db}.{table.name}, not a silver table"
    return None


def _outer(tree: exp.Query, parts: set[str], row_wise: set[str]) -> exp.Query | str:
    """``tree`` reading each part's rows from its placeholder, the row-wise clauses gone; or
    why it cannot (what is left reads silver)."""
    outer = tree.copy()
    kept = []
    for cte in outer.args["with_"].expressions:
        name = cte.alias_or_name.lower()
        if name in parts:
            cte.set("this", exp.select("*").from_(_PART.format(name)))
        if name not in row_wise:
            kept.append(cte)
    outer.args["with_"].set("expressions", kept)
    for table in outer.find_all(exp.Table):  # what is left may read parts, never silver
        if table.db or table.name.lower() in row_wise:
            shown = f"{table.db}.{table.name}" if table.db else table.name
            return f"it reads {shown} outside a grouped part"
    return outer


@dataclass(frozen=True)
class _RowWise:
    """A row-wise clause over a silver table."""

    table: str  # silver.<name>
    template: exp.Select  # the clause, reading ``_ROWS``
    columns: frozenset[str]  # every name it reads of the table


def _part(
    name: str, body: exp.Query, tables: list[exp.Table], row_wise: dict[str, _RowWise]
) -> Part | _RowWise | str:
    """A clause reading silver: a grouped part, a row-wise clause, or why it is neither."""
    if len(tables) != 1:
        return "it reads silver and another table"
    table = tables[0]
    if table.db:  # silver itself: row-wise, or a part
        text = body.sql(dialect="spark")
        grouped = grouped_query(text)
        if isinstance(grouped, Grouped):
            return Part(name, grouped.table, grouped, grouped.columns, None)
        rows = row_wise_query(text)
        if isinstance(rows, str):
            return grouped if grouped != "it does not aggregate" else rows
        if rows.columns is None:
            return "it selects *"
        template = body.copy()
        assert isinstance(template, exp.Select)
        for read in [*template.find_all(exp.Table)]:
            read.replace(exp.to_table(_ROWS).as_(read.alias or read.name))
        return _RowWise(rows.table, template, rows.columns)
    under = row_wise[table.name.lower()]  # a part over a row-wise clause
    over = body.copy()
    for read in [*over.find_all(exp.Table)]:  # the silver table in the clause's place
        read.replace(exp.to_table(under.table).as_(read.alias or read.name))
    grouped = grouped_query(over.sql(dialect="spark"))
    if isinstance(grouped, str):
        return grouped
    return Part(name, under.table, grouped, under.columns, under.template)
