"""A light reading of a SQL boolean without Spark: is it well formed, which columns it names.

Not a parser: it tokenizes, checks quotes and parentheses, and lists the bare identifiers that
are neither keywords, function names, struct fields, lambda variables nor type names. Spark
still has the last word at run time; this catches the usual mistakes (a misspelled column, a
missing parenthesis) with messages that point at a character. The full parse (grammar, what
config SQL may not call or read) is ``sqlast``, with sqlglot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SqlSyntaxError", "referenced_columns"]

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<bq>`(?:[^`]|``)+`)
    |(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<arrow>->)
    |(?P<op><=>|==|!=|<>|<=|>=|\|\||&&|::|[-+*/%<>=!~&|^,.()\[\]:])""",
    re.X,
)
_WORDS = """
    and or not is null true false in between like ilike rlike regexp similar escape case when
    then else end as cast try_cast distinct from exists interval any some all div over
    partition by order asc desc rows range unbounded preceding following current row nulls
    first last filter within group to unknown collate
    current_date current_timestamp current_user current_timezone
"""
_KEYWORDS = frozenset(_WORDS.split())
_UNIT_WORDS = """year years month months week weeks day days hour hours minute minutes second
    seconds millisecond milliseconds microsecond microseconds"""
_UNITS = frozenset(_UNIT_WORDS.split())
"""A unit only after a number or string (INTERVAL 3 DAYS) or TO (YEAR TO MONTH)."""
_TYPED_LITERALS = frozenset(("date", "timestamp", "timestamp_ntz", "timestamp_ltz", "x"))
"""A typed literal only before a string: DATE '2024-01-01', X'1F'."""


class SqlSyntaxError(ValueError):
    """The expression cannot be well formed; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at character {position + 1}")
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(sql: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(sql):
        match = _TOKEN.match(sql, position)
        if match is None:
            char = sql[position]
            if char in "'\"`":
                raise SqlSyntaxError(f"unterminated quote {char}", position)
            raise SqlSyntaxError(f"unexpected character {char!r}", position)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    return tokens


def _check_parentheses(tokens: list[_Token], length: int) -> None:
    open_at: list[int] = []
    for token in tokens:
        if token.text == "(":
            open_at.append(token.position)
        elif token.text == ")":
            if not open_at:
                raise SqlSyntaxError("unbalanced ')'", token.position)
            open_at.pop()
    if open_at:
        raise SqlSyntaxError("missing ')' for the '(' opened", open_at[-1])


def _lambda_variables(tokens: list[_Token]) -> set[str]:
    names: set[str] = set()
    for index, token in enumerate(tokens):
        if token.kind != "arrow" or index == 0:
            continue
        before = tokens[index - 1]
        if before.kind == "word":
            names.add(before.text.lower())
        elif before.text == ")":
            back = index - 2
            while back >= 0 and tokens[back].text != "(":
                if tokens[back].kind == "word":
                    names.add(tokens[back].text.lower())
                back -= 1
    return names


def _is_keyword(word: str, before: _Token | None, after: _Token | None) -> bool:
    if word in _KEYWORDS:
        return True
    if word in _UNITS and before is not None:
        return before.kind in ("num", "str") or before.text.lower() == "to"
    return word in _TYPED_LITERALS and after is not None and after.kind == "str"


def referenced_columns(sql: str) -> list[tuple[str, int]]:
    """The column names ``sql`` uses, with their character offsets, in order.

    Raises:
        SqlSyntaxError: Empty, an unterminated quote, unbalanced parentheses, a stray character.
    """
    tokens = _tokens(sql)
    if not tokens:
        raise SqlSyntaxError("empty expression", 0)
    _check_parentheses(tokens, len(sql))
    lambdas = _lambda_variables(tokens)
    columns = []
    for index, token in enumerate(tokens):
        if token.kind not in ("word", "bq"):
            continue
        name = token.text.strip("`").replace("``", "`") if token.kind == "bq" else token.text
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "word" and _is_keyword(name.lower(), before, after):
            continue
        if after is not None and after.text == "(":
            continue  # a function (or a parametrised type: decimal(10, 2))
        if before is not None and before.text in (".", "::", ":"):
            continue  # a struct field, or a type after the :: cast
        if before is not None and before.kind == "word" and before.text.lower() == "as":
            continue  # CAST(x AS type)
        if name.lower() in lambdas:
            continue
        columns.append((name, token.position))
    return columns
