"""SQL in config parsed with sqlglot's Spark dialect: is it one query (or one expression), which
tables does it read, and does it reach for something config SQL must never touch.

Gold SQL, quality rules, derived columns, CDC conditions and entity attributes run with the
pipeline's own rights, which include the raw PII of ``bronze_pii`` and the secret scopes. A
regular expression cannot tell ```bronze_pii`.x`` from a string that mentions it, so the
checks walk the syntax tree: a table's schema is compared whatever its quoting, and functions
are matched by name, not by text. The same parse gives gold lineage (``query_tables``), so the
data dictionary, grants and bundles see the tables the query really reads.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from pipelines.config.base import is_landing_schema

__all__ = [
    "FORBIDDEN_FUNCTIONS",
    "FORBIDDEN_SCHEMAS",
    "ParsedSql",
    "RowWise",
    "check_expression",
    "check_query",
    "expression_names",
    "forbidden_read",
    "one_table",
    "part_name",
    "query_tables",
    "query_tree",
    "reads_clock",
    "replace_table",
    "row_expression_columns",
    "row_wise_query",
]

FORBIDDEN_SCHEMAS = frozenset({"bronze_pii"})
"""Schemas config SQL may not read: raw PII is for entitled readers, through their own grants.
Nor may it read a landing schema (``forbidden_read``)."""


def forbidden_read(dotted: str) -> str | None:
    """Why config SQL may not read the table ``dotted`` (``schema.table``, or one quoted
    name holding the dot), or None when it may."""
    parts = dotted.lower().split(".")
    if FORBIDDEN_SCHEMAS & set(parts):
        return (
            "raw PII (bronze_pii) is not readable from config SQL; read the masked bronze or "
            "silver table"
        )
    if any(is_landing_schema(p) for p in parts[:-1]):
        return (
            "an undeclared arrival, held back for its team, is not readable from config SQL; "
            "declare its source (a run proposes it), then read silver"
        )
    return None


FORBIDDEN_FUNCTIONS = frozenset(
    {
        "secret",  # a Databricks secret's value, into a table
        "reflect",  # any static Java method: the JVM, the file system, the network
        "java_method",
        "try_reflect",
        "read_files",  # files outside the declared sources
        "http_request",  # the network (Databricks)
        "identifier",  # a table name computed at run time escapes every check here
        "aes_decrypt",  # clear text of encrypt columns (entitled readers use pii_decrypt)
        "try_aes_decrypt",
    }
)
"""Functions that reach outside the tables a config declares."""

_DIALECT = "spark"


@dataclass(frozen=True)
class ParsedSql:
    """What the parse found: the tables read (``layer.name``) and every problem, as messages."""

    tables: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def _parse(sql: str) -> list[exp.Expr]:
    """The statements of ``sql`` (shared with every other check of it: read them, never change
    them; ``query_tree`` gives a copy to change).

    Raises:
        ValueError: It does not parse; the message says where.
    """
    return list(_statements(sql))


def query_tree(sql: str) -> exp.Query | None:
    """A copy of ``sql``'s one query, to change (``qualify`` does); None when it is not one."""
    try:
        trees = _statements(sql)
    except ValueError:
        return None
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        return None
    return trees[0].copy()


@functools.lru_cache(maxsize=1024)
def _statements(sql: str) -> tuple[exp.Expr, ...]:
    # Cached: a gold query is parsed by the load checks, its lineage, its contract and the
    # check of its columns, on every config load (a run, a test); an error is not cached.
    try:
        return tuple(tree for tree in sqlglot.parse(sql, read=_DIALECT) if tree is not None)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        near = f" near '{first['highlight']}'" if first.get("highlight") else ""
        description = _plain(first.get("description", "cannot parse"))
        raise ValueError(f"invalid SQL: {description}{where}{near}") from None
    except TokenError as exc:  # an unterminated string or comment
        raise ValueError(f"invalid SQL: {exc}") from None
    except RecursionError:
        raise ValueError("invalid SQL: nested too deeply") from None


def _plain(description: str) -> str:
    """sqlglot's parse error in words a config author reads (it names its own classes)."""
    if description.startswith("Required keyword"):
        return "incomplete expression"
    if description.startswith("Invalid expression / Unexpected token"):
        return "unexpected token"
    return description


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()


def _safety(tree: exp.Expr) -> list[str]:
    """Problems of any parsed tree: forbidden schemas and functions, catalog names."""
    problems = []
    for table in tree.find_all(exp.Table):
        parts = [p.lower() for p in (table.catalog, table.db, table.name) if p]
        dotted = ".".join(parts)
        # `bronze_pii.x` quoted as one name is still that table to a reader of the config
        if (why := forbidden_read(dotted)) is not None:
            problems.append(f"reads '{dotted}': {why}")
        elif table.catalog:
            problems.append(
                f"names the catalog of '{dotted}': the catalog comes from the target; "
                f"write '{table.db.lower()}.{table.name.lower()}'"
            )
    called = sorted({_function_name(f) for f in tree.find_all(exp.Func)} & FORBIDDEN_FUNCTIONS)
    problems.extend(
        f"calls {name}(): not allowed in config SQL (it reaches outside the declared tables)"
        for name in called
    )
    return problems


@functools.lru_cache(maxsize=512)
def check_query(sql: str) -> ParsedSql:
    """Parse gold SQL: one query (SELECT, WITH ... SELECT, a set operation), its tables.

    Every table must name its layer (``silver.x``) unless it is a CTE of the query.
    """
    try:
        trees = _parse(sql)
    except ValueError as exc:
        return ParsedSql((), (str(exc),))
    if not trees:
        return ParsedSql((), ("empty query",))
    if len(trees) > 1:
        return ParsedSql((), (f"must be one query, got {len(trees)} statements",))
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        return ParsedSql(
            (), (f"must be one query (SELECT ...), got a {tree.key.upper()} statement",)
        )
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    problems = _safety(tree)
    tables: set[str] = set()
    for table in tree.find_all(exp.Table):
        if not table.name:  # a table-valued function: FROM range(10), explode(...)
            continue
        name = table.name.lower()
        if table.db:
            tables.add(f"{table.db.lower()}.{name}")
        elif name not in ctes and forbidden_read(name) is None:
            problems.append(
                f"reads '{name}' without its layer: write silver.{name} (or gold.{name})"
            )
    return ParsedSql(tuple(sorted(tables)), tuple(dict.fromkeys(problems)))


def query_tables(sql: str) -> tuple[str, ...]:
    """The ``layer.name`` tables a gold query reads (none when it does not parse)."""
    return check_query(sql).tables


@functools.lru_cache(maxsize=2048)
def check_expression(sql: str) -> tuple[str, ...]:
    """Problems of a SQL expression (a quality rule, a derived column, an attribute)."""
    try:
        trees = _parse(sql)
    except ValueError as exc:
        return (str(exc),)
    if len(trees) != 1:
        return (f"must be one expression, got {len(trees)}",)
    tree = trees[0]
    if isinstance(tree, exp.Alias):  # `price > 0 price`: a stray word after the expression
        return (f"must be one expression, found a stray '{tree.alias}' after it",)
    if not isinstance(tree, exp.Condition | exp.Subquery | exp.Interval):
        return (f"must be an expression, got a {tree.key.upper()} statement",)
    return tuple(dict.fromkeys(_safety(tree)))


def expression_names(sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns an expression reads and its lambda variables (both empty if it does not
    parse). A keyword-like column name (``first``, ``last``) is a column here when the
    grammar says so, which a word list cannot tell."""
    try:
        trees = _parse(sql)
    except ValueError:
        return (), ()
    columns = {c.name for tree in trees for c in tree.find_all(exp.Column) if not c.table}
    variables = {
        v.name for tree in trees for lam in tree.find_all(exp.Lambda) for v in lam.expressions
    }
    return tuple(sorted(columns)), tuple(sorted(variables))


def row_expression_columns(sql: str) -> tuple[str, ...] | None:
    """The top-level columns an expression decided by one row alone reads (``_raw.email``
    reads ``_raw``), or None when it is not one: it does not parse, or it has a window, an
    aggregate or a subquery (what a Lakeflow expectation cannot evaluate on output rows)."""
    try:
        trees = _parse(sql)
    except ValueError:
        return None
    kinds = (exp.Window, exp.AggFunc, exp.Subquery, exp.Select)
    if len(trees) != 1 or trees[0].find(*kinds) is not None:
        return None
    tree = trees[0]
    variables = {v.name for lam in tree.find_all(exp.Lambda) for v in lam.expressions}
    columns = {c.table or c.name for c in tree.find_all(exp.Column)}
    return tuple(sorted(columns - variables))


# Calls whose value differs between two evaluations of the same row: a refresh from new rows
# only would keep the old rows' values where a recompute takes new ones. Matched in the text:
# a false match (the word in a string) only costs a recompute.
_CLOCK = re.compile(
    r"\b(current_date|current_timestamp|curdate|now|localtimestamp|rand|randn|random|uuid"
    r"|unix_timestamp|current_timezone|monotonically_increasing_id|spark_partition_id"
    r"|input_file_name|input_file_block_start|input_file_block_length|shuffle)\s*\(",
    re.IGNORECASE,
)


def reads_clock(sql: str) -> bool:
    """Whether ``sql`` may call something that is not decided by its inputs: the clock, a
    random number, where a row happens to be read."""
    return _CLOCK.search(sql) is not None


@dataclass(frozen=True)
class RowWise:
    """A query whose every output row is decided by one row of its one table."""

    table: str  # layer.name
    columns: frozenset[str] | None  # every name it reads (a struct's column too); None: *


# The parts of a SELECT a row-wise query may have; any other (a join, GROUP BY, DISTINCT,
# ORDER BY, LIMIT, QUALIFY, LATERAL VIEW...) relates rows to each other or to another table.
_ROW_WISE_PARTS = frozenset({"kind", "hint", "expressions", "from_", "where", "exclude"})
_PART_NAMES = {
    "joins": "a join", "group": "GROUP BY", "order": "ORDER BY", "sort": "SORT BY",
    "laterals": "LATERAL VIEW", "with_": "a WITH clause", "distinct": "DISTINCT",
}  # fmt: skip


def part_name(key: str) -> str:
    """How a message names the part ``key`` of a sqlglot SELECT (``joins``: "a join")."""
    return _PART_NAMES.get(key, key.rstrip("_").upper())


def one_table(tree: exp.Expr, sql: str) -> exp.Table | str:
    """The one table that ``tree`` (the parse of ``sql``) reads, or why a refresh from changed
    rows cannot take it: it calls the clock, or reads other than exactly one table."""
    if reads_clock(sql):
        return "it calls the clock or a random function"
    tables = list(tree.find_all(exp.Table))
    if len(tables) != 1 or not tables[0].db:
        return "it does not read exactly one table"
    return tables[0]


@functools.lru_cache(maxsize=512)
def row_wise_query(sql: str) -> RowWise | str:
    """``sql`` as a row-wise query (a projection and filter of one table, each output row
    decided by one input row alone), or why it is not one.

    Such a query over a table that only gained rows gives, over the new rows alone, exactly
    the rows it gains: the local runner refreshes a gold mart so (``pipelines.local.marts``).
    """
    try:
        trees = _parse(sql)
    except ValueError as exc:
        return str(exc)
    if len(trees) != 1 or not isinstance(trees[0], exp.Select):
        return "it is not one SELECT"
    tree = trees[0]
    parts = [part_name(k) for k, v in tree.args.items() if v and k not in _ROW_WISE_PARTS]
    if parts:
        return f"it has {', '.join(parts)}"
    # (A generator such as explode() is row-wise: each row's output is its own.)
    for kind, what in ((exp.Window, "a window"), (exp.AggFunc, "an aggregate"),
                       (exp.Subquery, "a subquery")):  # fmt: skip
        if tree.find(kind) is not None:
            return f"it has {what}"
    table = one_table(tree, sql)
    if isinstance(table, str):
        return table
    if tree.find(exp.Star) is not None:
        return RowWise(f"{table.db.lower()}.{table.name.lower()}", None)
    variables = {v.name for lam in tree.find_all(exp.Lambda) for v in lam.expressions}
    names = {n for c in tree.find_all(exp.Column) for n in (c.table, c.name) if n}
    return RowWise(f"{table.db.lower()}.{table.name.lower()}", frozenset(names - variables))


def replace_table(sql: str, table: str, view: str) -> str:
    """``sql`` reading the temporary view ``view`` where it read ``table`` (``layer.name``).

    Only that name is replaced in the text, found by the parse's positions: the rest is the
    query as its author wrote it, not sqlglot's rendering of it, which could differ from Spark
    in meaning where the two disagree. The view takes the table's name as its alias when the
    table had none, so the query's qualified columns still resolve.
    """
    spans = []
    for node in _parse(sql)[0].find_all(exp.Table):
        if f"{node.db}.{node.name}".lower() == table:
            start, end = node.args["db"].meta["start"], node.this.meta["end"] + 1
            spans.append((start, end, view if node.alias else f"{view} AS `{node.name}`"))
    for start, end, text in sorted(spans, reverse=True):
        sql = sql[:start] + text + sql[end:]
    return sql
