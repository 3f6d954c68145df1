"""Pagination and record extraction: pure functions over parsed JSON, no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pipelines.config.rest import RestPagination

__all__ = [
    "PageRequest",
    "dig",
    "first_page",
    "graphql_errors",
    "next_page",
    "records_at",
    "text_value",
]


@dataclass(frozen=True)
class PageRequest:
    """One request: its URL, query parameters, 1-based page number and, for a GraphQL API,
    the variables POSTed with the query (None: a GET).

    The paging parameters go where the API reads them: the query string (as text) or the
    variables (typed: a GraphQL ``Int!`` refuses "100"). The variables are part of the request
    so that a stream's checkpointed offset resumes at exactly this page.
    """

    url: str
    params: Mapping[str, str]
    number: int = 1
    variables: Mapping[str, Any] | None = None

    @property
    def method(self) -> str:
        """``POST`` for a GraphQL page, else ``GET``."""
        return "GET" if self.variables is None else "POST"

    def setting(self, values: Mapping[str, Any], number: int) -> PageRequest:
        """This request with paging ``values`` set, as page ``number``."""
        if self.variables is None:
            params = {**self.params, **{k: str(v) for k, v in values.items()}}
            return replace(self, params=params, number=number)
        return replace(self, variables={**self.variables, **values}, number=number)


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path (``data.items``; '' is the body); None where absent."""
    node = body
    for part in [p for p in path.split(".") if p]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _gather(body: Any, path: str) -> Any:
    """Like ``dig``, but a list met before the path's end yields the rest of the path taken
    in each element: ``data.guests.edges.node`` is the nodes of a relay connection, whose
    records sit one level down in each edge (so bronze keeps the node, and the declared
    fields are found in it)."""
    parts = [p for p in path.split(".") if p]
    node = body
    for index, part in enumerate(parts):
        if isinstance(node, list) and not part.isdigit():
            rest = ".".join(parts[index:])
            return [_gather(element, rest) for element in node]
        node = dig(node, part)
    return node


def records_at(body: Any, path: str) -> list[Any]:
    """The records of a response (a path crossing a list: see ``_gather``).

    Raises:
        ValueError: The path does not lead to a list (or an object, taken as one record).
    """
    found = _gather(body, path)
    if isinstance(found, list):
        return found
    if isinstance(found, dict):
        return [found]
    where = f"'{path}'" if path else "the body"
    raise ValueError(f"no list of records at {where} (found {type(found).__name__})")


def text_value(value: Any) -> str | None:
    """A field as bronze keeps it: text as is, null as null, anything else as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def graphql_errors(body: Any) -> list[str]:
    """The messages of a GraphQL response's ``errors`` (a server answers 200 with them, and
    maybe partial ``data``: either way the read must fail, never be taken as no records)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return []
    listed = errors if isinstance(errors, list) else [errors]
    return [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in listed]


def first_page(
    url: str,
    params: Mapping[str, str],
    paging: RestPagination,
    variables: Mapping[str, Any] | None = None,
) -> PageRequest:
    """The first request; ``variables`` (a GraphQL API's fixed ones) carry the paging too."""
    values: dict[str, Any] = {}
    if paging.size_param:
        values[paging.size_param] = paging.size
    if paging.style in ("page", "offset"):
        values[paging.param] = paging.start
    blank = PageRequest(url, params, 1, None if variables is None else dict(variables))
    return blank.setting(values, 1)


def next_page(
    current: PageRequest, body: Any, records: int, paging: RestPagination
) -> PageRequest | None:
    """The request after ``current`` given its response, or None when the read is complete.

    Stops at an empty page, a short page (page and offset styles with ``size_param``: the
    server was asked for ``size`` records), a missing cursor or next link, ``has_next_path``
    false, or after ``max_pages`` pages.

    Raises:
        ValueError: ``has_next_path`` does not lead to a boolean (a wrong path would
            otherwise end every read after its first page).
    """
    if paging.style == "none" or records == 0 or current.number >= paging.max_pages:
        return None
    if paging.style in ("page", "offset") and paging.size_param and records < paging.size:
        return None
    number = current.number + 1
    if paging.style == "page":
        return current.setting({paging.param: number}, number)
    if paging.style == "offset":
        offset = int(_paging_value(current, paging.param)) + records
        return current.setting({paging.param: offset}, number)
    if paging.has_next_path is not None and not _has_next(body, paging.has_next_path):
        return None
    if paging.next_link_path is not None:
        link = dig(body, paging.next_link_path)
        return PageRequest(str(link), {}, number) if link else None
    cursor = dig(body, paging.cursor_path or "")
    if cursor in (None, ""):
        return None
    # a GraphQL cursor is sent as the server gave it (a String or an ID, or a number)
    return current.setting({paging.param: cursor}, number)


def _paging_value(request: PageRequest, name: str) -> Any:
    return request.params[name] if request.variables is None else request.variables[name]


def _has_next(body: Any, path: str) -> bool:
    found = dig(body, path)
    if not isinstance(found, bool):
        raise ValueError(f"no true or false at '{path}' (found {type(found).__name__})")
    return found
