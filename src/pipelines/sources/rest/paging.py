"""Pagination and record extraction: pure functions over parsed JSON, no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.config.rest import RestPagination

__all__ = ["PageRequest", "dig", "first_page", "next_page", "records_at", "text_value"]


@dataclass(frozen=True)
class PageRequest:
    """One request: its URL, query parameters and 1-based page number."""

    url: str
    params: Mapping[str, str]
    number: int = 1


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


def records_at(body: Any, path: str) -> list[Any]:
    """The records of a response.

    Raises:
        ValueError: The path does not lead to a list (or an object, taken as one record).
    """
    found = dig(body, path)
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


def first_page(url: str, params: Mapping[str, str], paging: RestPagination) -> PageRequest:
    """The first request."""
    query = dict(params)
    if paging.size_param:
        query[paging.size_param] = str(paging.size)
    if paging.style in ("page", "offset"):
        query[paging.param] = str(paging.start)
    return PageRequest(url, query, 1)


def next_page(
    current: PageRequest, body: Any, records: int, paging: RestPagination
) -> PageRequest | None:
    """The request after ``current`` given its response, or None when the read is complete.

    Stops at an empty page, a short page (page and offset styles with ``size_param``: the
    server was asked for ``size`` records), a missing cursor or next link, or after
    ``max_pages`` pages.
    """
    if paging.style == "none" or records == 0 or current.number >= paging.max_pages:
        return None
    if paging.style in ("page", "offset") and paging.size_param and records < paging.size:
        return None
    number = current.number + 1
    if paging.style == "page":
        return PageRequest(current.url, {**current.params, paging.param: str(number)}, number)
    if paging.style == "offset":
        offset = int(current.params[paging.param]) + records
        return PageRequest(current.url, {**current.params, paging.param: str(offset)}, number)
    if paging.next_link_path is not None:
        link = dig(body, paging.next_link_path)
        return PageRequest(str(link), {}, number) if link else None
    cursor = dig(body, paging.cursor_path or "")
    if cursor in (None, ""):
        return None
    return PageRequest(current.url, {**current.params, paging.param: str(cursor)}, number)
