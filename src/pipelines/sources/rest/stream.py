"""The streaming side of ``lakehouse_rest``: new records since the last micro-batch.

The offset is a position in the endpoint's record sequence, whatever the pagination style:
the request of the last page read (URL, query parameters, page number and, for a GraphQL API,
the variables: its cursor is one) and how many of its records were consumed. A micro-batch
resumes at that request, skips the records already consumed (a short last page that grew
since is read again from where it stopped) and follows the pages to the end; the engine keeps
the offsets in the stream's checkpoint, so a run reads only what the endpoint added since the
last one. ``latestOffset`` walks the pages to find the end; the records it walked travel in the
micro-batch's one partition (cursors cannot be split) to ``read``, which fetches the pages
again only for a batch it did not plan that way or one of more than ``CARRIED_ROWS`` records:
a run fetches each page once, and reads what it found (the API may change between two walks).
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

__all__ = ["CARRIED_ROWS", "Position", "RestStreamReader", "walk"]

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


CARRIED_ROWS = 10_000
"""Records a micro-batch carries from ``latestOffset`` to ``read`` at most (pickled to the
worker); a bigger batch (a backlog) is fetched again by ``read``."""

Row = tuple[Any, ...]


class _Batch(InputPartition):
    def __init__(self, start: Offset, end: Offset, rows: list[Row] | None = None) -> None:
        self.start, self.end, self.rows = start, end, rows


class RestStreamReader(DataSourceStreamReader):
    """Micro-batches of the records the endpoint added since the checkpointed offset."""

    def __init__(self, options: dict[str, str]) -> None:
        request = json.loads(options["request"])
        self.endpoint = Endpoint.of(request, json.loads(options.get("secret_headers", "{}")))
        self.columns = json.loads(options["columns"])
        self.fields: dict[str, str] = request["fields"]
        # The last walk: its start and end offsets and the rows between (None: too many).
        self.walked: tuple[Offset, Offset, list[Row] | None] | None = None

    def initialOffset(self) -> Offset:  # noqa: N802 - the API's name
        """Before the first record."""
        return Position(self.endpoint.first()).offset()

    def latestOffset(self, start: Offset, limit: Any = None) -> Offset:  # noqa: N802
        """After the last record the endpoint has now (the records up to it are kept for
        the batch that reads them)."""
        position = Position.of(start)
        rows: list[Row] | None = []
        for page, record, index in walk(self.endpoint, position, None):
            position = Position(page, index if record is None else index + 1)
            if record is not None and rows is not None:
                rows.append(record_row(self.columns, page, record, self.fields))
                rows = rows if len(rows) <= CARRIED_ROWS else None
        end = position.offset()
        self.walked = (start, end, rows)
        return end

    def partitions(self, start: Offset, end: Offset) -> list[_Batch]:
        """One partition: the pages are read in order; it carries the records the last walk
        found between ``start`` and ``end``, when that is the walk."""
        walked = self.walked
        rows = walked[2] if walked is not None and walked[:2] == (start, end) else None
        return [_Batch(start, end, rows)]

    def read(self, partition: InputPartition) -> Iterator[Row]:
        """The rows between the partition's offsets: those it carries, else fetched."""
        assert isinstance(partition, _Batch)
        if partition.rows is not None:
            yield from partition.rows
            return
        start, end = Position.of(partition.start), Position.of(partition.end)
        for page, record, _index in walk(self.endpoint, start, end):
            yield record_row(self.columns, page, record, self.fields)

    def commit(self, end: Offset) -> None:
        """Nothing to release: the endpoint is read again from the offset."""
