"""The streaming side of ``lakehouse_rest``: new records since the last micro-batch.

The offset is a position in the endpoint's record sequence, whatever the pagination style:
the request of the last page read (URL, query parameters, page number and, for a GraphQL API,
the variables: its cursor is one) and how many of its records were consumed. A micro-batch
resumes at that request, skips the records already consumed (a short last page that grew
since is read again from where it stopped) and follows the pages to the end; the engine keeps
the offsets in the stream's checkpoint, so a run reads only what the endpoint added since the
last one. ``latestOffset`` walks the pages to find the end, ``read`` walks them again from the
start offset to that end (cursors cannot be split, so one partition).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyspark.sql.datasource import DataSourceStreamReader, InputPartition

from pipelines.sources.rest.datasource import record_row
from pipelines.sources.rest.fetch import Endpoint
from pipelines.sources.rest.paging import PageRequest

__all__ = ["Position", "RestStreamReader", "walk"]

Offset = dict[str, Any]


@dataclass(frozen=True)
class Position:
    """A page request and how many of its records were consumed."""

    request: PageRequest
    seen: int = 0

    def offset(self) -> Offset:
        """The JSON-able form kept in the checkpoint (``variables`` only for GraphQL: a REST
        offset stays as it was, equal to the ones checkpointed before GraphQL came)."""
        request = self.request
        offset = {
            "url": request.url,
            "params": dict(request.params),
            "page": request.number,
            "seen": self.seen,
        }
        if request.variables is not None:
            offset["variables"] = dict(request.variables)
        return offset

    @classmethod
    def of(cls, offset: Offset) -> Position:
        """The position a checkpointed offset stands for (one without variables: a GET)."""
        variables = offset.get("variables")
        request = PageRequest(offset["url"], offset["params"], offset["page"], variables)
        return cls(request, offset["seen"])


def walk(
    endpoint: Endpoint, start: Position, end: Position | None
) -> Iterator[tuple[PageRequest, Any, int]]:
    """``(page, record, index)`` from ``start`` (its consumed records skipped) to ``end``
    (inclusive of its consumed records), or to the last page when ``end`` is None."""
    page: PageRequest | None = start.request
    while page is not None:
        body, records = endpoint.fetch(page)
        last = end is not None and _same(page, end.request)
        stop = end.seen if last and end is not None else len(records)
        first = start.seen if _same(page, start.request) else 0
        for index in range(first, min(stop, len(records))):
            yield page, records[index], index
        if last:
            return
        following = endpoint.following(page, body, len(records))
        if following is None and end is None:
            yield page, None, len(records)  # the end marker: where the next batch resumes
        page = following


def _same(a: PageRequest, b: PageRequest) -> bool:
    return _identity(a) == _identity(b)


def _identity(page: PageRequest) -> tuple[Any, ...]:
    variables = None if page.variables is None else dict(page.variables)
    return page.url, dict(page.params), variables


class _Batch(InputPartition):
    def __init__(self, start: Offset, end: Offset) -> None:
        self.start, self.end = start, end


class RestStreamReader(DataSourceStreamReader):
    """Micro-batches of the records the endpoint added since the checkpointed offset."""

    def __init__(self, options: dict[str, str]) -> None:
        request = json.loads(options["request"])
        self.endpoint = Endpoint.of(request, json.loads(options.get("secret_headers", "{}")))
        self.columns = json.loads(options["columns"])

    def initialOffset(self) -> Offset:  # noqa: N802 - the API's name
        """Before the first record."""
        return Position(self.endpoint.first()).offset()

    def latestOffset(self, start: Offset, limit: Any = None) -> Offset:  # noqa: N802
        """After the last record the endpoint has now."""
        position = Position.of(start)
        for page, record, index in walk(self.endpoint, position, None):
            position = Position(page, index if record is None else index + 1)
        return position.offset()

    def partitions(self, start: Offset, end: Offset) -> list[_Batch]:
        """One partition: the pages are read in order."""
        return [_Batch(start, end)]

    def read(self, partition: InputPartition) -> Iterator[tuple[Any, ...]]:
        """The rows between the partition's offsets."""
        assert isinstance(partition, _Batch)
        start, end = Position.of(partition.start), Position.of(partition.end)
        for page, record, _index in walk(self.endpoint, start, end):
            yield record_row(self.columns, page, record)

    def commit(self, end: Offset) -> None:
        """Nothing to release: the endpoint is read again from the offset."""
