"""Just enough of a GraphQL document to check a source's config before anything runs: its
operations, the variables the operation declares and the ones it uses.

Not a GraphQL parser: the server validates the query itself, on the first request. These are
the mistakes that fail every request of every run, found while the config loads instead: a
variable used but not declared, a required variable nothing sends, and a document with several
operations (a request without ``operationName`` cannot choose, and the source sends none).
Comments and string values are blanked first, so a ``$`` or a keyword inside them is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Document", "scan"]

_BLOCK_STRING = re.compile(r'"""(?:\\"""|(?!""").)*"""', re.S)
_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')
_COMMENT = re.compile(r"#[^\n]*")
_OPERATION = re.compile(r"\b(query|mutation|subscription)\b\s*([_A-Za-z]\w*)?\s*(\()?")
_DEFINITION = re.compile(r"\$([_A-Za-z]\w*)\s*:\s*([^=,$)]+?)\s*(=|,|\$|$)")
_USE = re.compile(r"\$([_A-Za-z]\w*)")


@dataclass(frozen=True)
class Document:
    """What a query document declares and uses (names without ``$``, in order)."""

    operations: int
    declared: dict[str, str]
    """Variable -> its type as written (``Int!``), of the operation's definitions."""
    defaulted: frozenset[str]
    used: tuple[str, ...]
    """Variables used outside the definitions (each once, first use first)."""

    def required(self) -> list[str]:
        """Declared non-null without a default: a request without them fails."""
        return [n for n, t in self.declared.items() if t.endswith("!") and n not in self.defaulted]

    def undeclared_uses(self) -> list[str]:
        """Variables the operation uses but does not declare."""
        return [n for n in self.used if n not in self.declared]


def scan(query: str) -> Document:
    """The operations, declared and used variables of ``query``."""
    text = _blank(query)
    # top level only: "query" is also a common field or argument name inside a selection
    operations = [m for m in _OPERATION.finditer(text) if _depth(text, m.start()) == 0]
    declared: dict[str, str] = {}
    defaulted: set[str] = set()
    spans: list[tuple[int, int]] = []
    if len(operations) == 1 and operations[0].group(3):
        start = operations[0].end()
        end = text.find(")", start)
        end = len(text) if end < 0 else end
        spans.append((start, end))
        for found in _DEFINITION.finditer(text[start:end]):
            declared[found.group(1)] = found.group(2).strip()
            if found.group(3) == "=":
                defaulted.add(found.group(1))
    body = "".join(text[a:b] for a, b in _outside(spans, len(text)))
    used = tuple(dict.fromkeys(m.group(1) for m in _USE.finditer(body)))
    # a document that is only a selection set ("{ ... }") is one anonymous query
    count = len(operations) or (1 if text.strip().startswith("{") else 0)
    return Document(count, declared, frozenset(defaulted), used)


def _blank(query: str) -> str:
    """``query`` with block strings, strings and comments replaced by spaces (same length)."""

    def spaces(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    for pattern in (_BLOCK_STRING, _STRING, _COMMENT):
        query = pattern.sub(spaces, query)
    return query


def _depth(text: str, at: int) -> int:
    before = text[:at]
    return before.count("{") - before.count("}") + before.count("(") - before.count(")")


def _outside(spans: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    edges = [0, *(e for span in spans for e in span), length]
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]
