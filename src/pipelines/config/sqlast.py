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
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from pipelines.config.base import is_landing_schema

__all__ = [
    "FORBIDDEN_FUNCTIONS",
    "FORBIDDEN_SCHEMAS",
    "ParsedSql",
    "check_expression",
    "check_query",
    "expression_names",
    "forbidden_read",
    "query_tables",
    "row_expression_columns",
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
    """The statements of ``sql``.

    Raises:
        ValueError: It does not parse; the message says where.
    """
    try:
        return [tree for tree in sqlglot.parse(sql, read=_DIALECT) if tree is not None]
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
