"""Gold SQL that aggregates one table, split into partial sums a change can be folded into.

A mart such as ``SELECT segment, count(*), sum(nights) FROM silver.x GROUP BY segment`` is a
function of a few sums per group. Sums can be updated: add the sums of the rows a run added,
take away those of the rows it removed, and the group's result follows without reading the
other rows again. This module splits such a query in two (``Grouped``): the **partials**
query, the same scan and filter giving each group's sums, and the **final** query, the
original select list over the partials, each aggregate replaced by its partial column. The
local runner keeps the partials and folds each increment into them
(``pipelines.local.mart_groups``).

Only what folds exactly qualifies: ``count``, ``count_if``, ``sum``, ``avg``, ``min`` and
``max`` (not ``DISTINCT``, optionally with ``FILTER``), the query grouped by plain columns of
its one table, with no join, window, subquery, ``DISTINCT``, ``ORDER BY``, ``LIMIT``,
``ROLLUP``/``CUBE`` or clock. A ``sum`` is kept with the count of its non-null inputs, so a
group whose every input is removed is null again, not 0; an ``avg`` is that sum divided by
that count, as Spark divides an average of integers. The local runner checks the rest when it
folds: a sum or an average of floating-point or decimal values (rounding) is not folded, and
``min`` or ``max`` only takes rows added (a removed row may have been the minimum).

Both queries are rendered by sqlglot's Spark dialect, not kept as the author wrote them (they
are new queries); the local tests compare every refreshed mart with its query over silver.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlglot import exp

from pipelines.config.sqlast import one_table, part_name, query_tree

__all__ = ["Grouped", "grouped_query"]

_VIEW = "__partials_input__"  # the table's place in the templates, named at use
ROWS = "_rows"  # partials' column: the group's rows (a group with none is gone)


@dataclass(frozen=True, eq=False)
class Grouped:
    """A query over one table grouped by plain columns, as partials and a final query."""

    table: str  # layer.name
    groups: tuple[str, ...]  # the grouping columns, named so in the partials
    sums: tuple[str, ...]  # partial columns that are sums (added as they are, then cast back)
    counts: tuple[str, ...]  # partial columns that are counts, ``_rows`` included
    mins: tuple[str, ...]  # partial columns that are minimums (rows added only)
    maxes: tuple[str, ...]  # and maximums
    averaged: tuple[str, ...]  # the sums an average divides (integers only: see _exact)
    columns: frozenset[str]  # every name it reads of the table (a struct's column too)
    _partials: exp.Select = field(repr=False)
    _final: exp.Select = field(repr=False)

    def partials_sql(self, view: str) -> str:
        """The partials of the rows of ``view`` (a temporary view with the table's columns, or
        the table itself)."""
        return _named(self._partials, view)

    def final_sql(self, view: str) -> str:
        """The query's rows from the partials in ``view``."""
        return _named(self._final, view)


def _named(template: exp.Select, view: str) -> str:
    tree = template.copy()
    named = exp.to_table(view)  # a view, or the table itself (``layer.name``)
    for table in tree.find_all(exp.Table):
        if table.name == _VIEW:
            table.set("this", named.this)
            table.set("db", named.args.get("db"))
    return tree.sql(dialect="spark")


# A SELECT's parts that the split keeps; any other relates rows to each other differently
# (ORDER BY, LIMIT, QUALIFY, DISTINCT, a join, a WITH clause, LATERAL VIEW, a window...).
_PARTS = frozenset({"kind", "hint", "expressions", "from_", "where", "group", "having"})
_FOLDED = (exp.Count, exp.CountIf, exp.Sum, exp.Avg, exp.Min, exp.Max)


@functools.lru_cache(maxsize=512)
def grouped_query(sql: str) -> Grouped | str:
    """``sql`` split into partials and a final query (see the module docstring), or why not."""
    tree = query_tree(sql)
    if not isinstance(tree, exp.Select):
        return "it is not one SELECT"
    extra = [part_name(k) for k, v in tree.args.items() if v and k not in _PARTS]
    if extra:
        return f"it has {', '.join(extra)}"
    group = tree.args.get("group")
    if not tree.find(exp.AggFunc) and group is None:
        return "it does not aggregate"
    for kind, what in ((exp.Window, "a window"), (exp.Subquery, "a subquery")):
        if tree.find(kind) is not None:
            return f"it has {what}"
    if any(not isinstance(s.parent, exp.Count) for s in tree.find_all(exp.Star)):
        return "it has *"
    table = one_table(tree, sql)
    if isinstance(table, str):
        return table
    names = {table.alias_or_name.lower(), table.name.lower()}
    groups = _groups(tree, group, names)
    if isinstance(groups, str):
        return groups
    return _split(tree, table, groups, names)


def _groups(tree: exp.Select, group: exp.Group | None, names: set[str]) -> tuple[str, ...] | str:
    """The grouping columns' names, or why the query is not grouped by plain columns."""
    if group is None:
        return ()
    found: list[str] = []
    for given in group.expressions:
        item = given
        if isinstance(given, exp.Literal) and given.is_int:  # GROUP BY 1: the first select item
            position = int(given.name)
            if not 0 < position <= len(tree.expressions):
                return f"GROUP BY {position} is not a column of its select list"
            item = tree.expressions[position - 1].unalias()
        if not isinstance(item, exp.Column) or not _own_column(item, names):
            return f"it groups by {item.sql(dialect='spark')}, not by a column of its table"
        found.append(item.name)
    if len({n.lower() for n in found}) != len(found):
        return "it groups by a column twice"
    return tuple(found)


def _own_column(column: exp.Column, names: set[str]) -> bool:
    """A column of the query's one table (not a struct's field, not another table's)."""
    return not column.args.get("db") and (not column.table or column.table.lower() in names)


def _split(
    tree: exp.Select, table: exp.Table, groups: tuple[str, ...], names: set[str]
) -> Grouped | str:
    for item in tree.expressions:
        if not isinstance(item, exp.Alias) and item.find(exp.AggFunc) is not None:
            # Spark names it by its text, which the final query's text would change.
            return f"{item.sql(dialect='spark')} has no name (AS ...)"
    final = tree.copy()
    measured = _measures(final)
    if isinstance(measured, str):
        return measured
    measured.counts.append(ROWS)
    replaced, measures = measured.replaced, measured.partials
    having = final.args.get("having")
    final.set("where", exp.Where(this=having.this) if having else None)
    for part in ("group", "having"):
        final.set(part, None)
    # Outside the aggregates, the query may read only the grouping columns.
    grouped = {g.lower() for g in groups}
    variables = {v.name for lam in final.find_all(exp.Lambda) for v in lam.expressions}
    for column in final.find_all(exp.Column):
        if column.name in {*_replaced_names(replaced), *variables} and not column.table:
            continue
        if column.name.lower() not in grouped or not _own_column(column, names):
            return f"it reads {column.sql(dialect='spark')} outside an aggregate and its GROUP BY"
    if {g.lower() for g in groups} & {m.lower() for m in (*measures, ROWS)}:
        return "a grouping column is named like a partial column (_m0, _n0, _rows)"
    alias = table.alias or table.name
    source = exp.Table(this=exp.to_identifier(_VIEW), alias=exp.TableAlias(this=exp.to_identifier(alias)))  # fmt: skip # noqa: E501
    partials = exp.Select(
        expressions=[
            *(exp.column(g, quoted=True) for g in groups),
            *(exp.alias_(m, name) for name, m in measures.items()),
            exp.alias_(exp.Count(this=exp.Star()), ROWS),
        ]
    ).from_(source.copy())
    if tree.args.get("where"):
        partials.set("where", tree.args["where"].copy())
    if groups:
        partials.set("group", exp.Group(expressions=[exp.column(g, quoted=True) for g in groups]))
    final.set("from_", exp.From(this=source.copy()))
    table_name = f"{table.db.lower()}.{table.name.lower()}"
    variables = {v.name for lam in tree.find_all(exp.Lambda) for v in lam.expressions}
    read = {n for c in tree.find_all(exp.Column) for n in (c.table, c.name) if n} - variables
    return Grouped(
        table_name, groups, tuple(measured.sums), tuple(measured.counts), tuple(measured.mins),
        tuple(measured.maxes), tuple(measured.averaged), frozenset(read), partials, final,
    )  # fmt: skip


@dataclass
class _Measures:
    """The partial columns of a query's aggregates, by kind, and what the final query reads
    in place of each aggregate (by the aggregate's text: one partial for repeats)."""

    partials: dict[str, exp.Expr] = field(default_factory=dict)  # column -> its aggregate
    sums: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    mins: list[str] = field(default_factory=list)
    maxes: list[str] = field(default_factory=list)
    averaged: list[str] = field(default_factory=list)  # the sums that an avg divides
    replaced: dict[str, exp.Expr] = field(default_factory=dict)

    def add(self, node: exp.AggFunc, outer: exp.Expr) -> exp.Expr:
        """The partial columns of ``node`` (``outer``: it, or its ``FILTER``), and what the
        final query reads instead."""
        text = outer.sql(dialect="spark")
        if text in self.replaced:
            return self.replaced[text]
        name = f"_m{len(self.replaced)}"
        self.partials[name] = outer.copy()
        if isinstance(node, exp.Count | exp.CountIf):
            self.counts.append(name)
            instead: exp.Expr = exp.column(name)
        elif isinstance(node, exp.Min | exp.Max):
            (self.mins if isinstance(node, exp.Min) else self.maxes).append(name)
            instead = exp.column(name)
        else:  # a sum, or an average: a sum and the count of its inputs
            inputs = f"_n{len(self.replaced)}"
            count: exp.Expr = exp.Count(this=node.this.copy())
            if isinstance(outer, exp.Filter):  # the same rows counted
                count = exp.Filter(this=count, expression=outer.expression.copy())
            self.partials[inputs] = count
            self.sums.append(name)
            self.counts.append(inputs)
            value: exp.Expr = exp.column(name)
            if isinstance(node, exp.Avg):  # Spark's avg of integers: their sum as a double / n
                self.averaged.append(name)
                self.partials[name] = _renamed(outer, exp.Sum(this=node.this.copy()))
                value = exp.Div(this=exp.cast(value, "double"), expression=exp.column(inputs))
            # A sum of no input is null, whatever was added and taken away before.
            instead = exp.case().when(
                exp.GT(this=exp.column(inputs), expression=exp.Literal.number(0)), value
            )
        self.replaced[text] = instead
        return instead


def _renamed(outer: exp.Expr, aggregate: exp.Expr) -> exp.Expr:
    """``aggregate`` under ``outer``'s ``FILTER``, if it has one."""
    if isinstance(outer, exp.Filter):
        return exp.Filter(this=aggregate, expression=outer.expression.copy())
    return aggregate


def _measures(final: exp.Select) -> _Measures | str:
    """Each aggregate of ``final`` replaced (in place) by what the final query reads of the
    partials (``_Measures``); or why an aggregate cannot be folded."""
    measured = _Measures()
    for node in [*final.find_all(exp.AggFunc)]:
        called = node.sql(dialect="spark").split("(", 1)[0]  # as Spark names it
        if not isinstance(node, _FOLDED):
            return f"it has {called}(), which cannot be updated from changed rows"
        if node.find(exp.Distinct) is not None:
            return f"it has {called}(DISTINCT ...), which cannot be updated from changed rows"
        outer = node.parent if isinstance(node.parent, exp.Filter) else node
        outer.replace(measured.add(node, outer).copy())
    return measured


def _replaced_names(replaced: dict[str, exp.Expr]) -> set[str]:
    """The partial columns the final query reads in place of the aggregates."""
    return {c.name for e in replaced.values() for c in e.find_all(exp.Column)}
