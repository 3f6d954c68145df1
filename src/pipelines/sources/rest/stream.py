"""The streaming side of ``lakehouse_rest``: new records since the last micro-batch.

The offset is a position in the endpoint's record sequence, whatever the pagination style:
the request of the last page read (URL, query parameters, page number) and how many of its
records were consumed. A micro-batch resumes at that request, skips the records already
consumed (a short last page that grew since is read again from where it stopped) and follows
the pages to the end; the engine keeps the offsets in the stream's checkpoint, so a run reads
only what the endpoint added since the last one. ``latestOffset`` walks the pages to find the
end, ``read`` walks them again from the start offset to that end (cursors cannot be split, so
one partition).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyspark.sql.datasource import DataSourceStreamReader, InputPartition

from pipelines.config.rest import RestPagination, RestRetry
from pipelines.sources.rest.datasource import record_row
from pipelines.sources.rest.http import RateLimiter, SecretHeaders, get_json
from pipelines.sources.rest.paging import PageRequest, first_page, next_page, records_at

__all__ = ["Position", "RestStreamReader", "walk"]

Offset = dict[str, Any]


@dataclass(frozen=True)
class Position:
    """A page request and how many of its records were consumed."""

    request: PageRequest
    seen: int = 0

    def offset(self) -> Offset:
        """The JSON-able form kept in the checkpoint."""
        request = self.request
        return {
            "url": request.url,
            "params": dict(request.params),
            "page": request.number,
            "seen": self.seen,
        }

    @classmethod
    def of(cls, offset: Offset) -> Position:
        """The position a checkpointed offset stands for."""
        request = PageRequest(offset["url"], offset["params"], offset["page"])
        return cls(request, offset["seen"])


def walk(
    request: dict[str, Any], secrets: SecretHeaders, start: Position, end: Position | None
) -> Iterator[tuple[PageRequest, Any, int]]:
    """``(page, record, index)`` from ``start`` (its consumed records skipped) to ``end``
    (inclusive of its consumed records), or to the last page when ``end`` is None; the
    secret headers go to the configured origin only."""
    paging = RestPagination.model_validate(request["pagination"])
    retry = RestRetry.model_validate(request["retry"])
    limiter = RateLimiter(request.get("rate_limit_per_second"))
    page: PageRequest | None = start.request
    while page is not None:
        body = get_json(
            page.url, page.params, request["headers"], retry=retry,
            timeout=request["timeout_seconds"], limiter=limiter, secrets=secrets,
        )  # fmt: skip
        records = records_at(body, request["records_path"])
        last = end is not None and _same(page, end.request)
        stop = end.seen if last and end is not None else len(records)
        first = start.seen if _same(page, start.request) else 0
        for index in range(first, min(stop, len(records))):
            yield page, records[index], index
        if last:
            return
        following = next_page(page, body, len(records), paging)
        if following is None and end is None:
            yield page, None, len(records)  # the end marker: where the next batch resumes
        page = following


def _same(a: PageRequest, b: PageRequest) -> bool:
    return a.url == b.url and dict(a.params) == dict(b.params)


class _Batch(InputPartition):
    def __init__(self, start: Offset, end: Offset) -> None:
        self.start, self.end = start, end


class RestStreamReader(DataSourceStreamReader):
    """Micro-batches of the records the endpoint added since the checkpointed offset."""

    def __init__(self, options: dict[str, str]) -> None:
        self.request = json.loads(options["request"])
        secret = json.loads(options.get("secret_headers", "{}"))
        self.secrets = SecretHeaders(secret, self.request["url"])
        self.columns = json.loads(options["columns"])

    def initialOffset(self) -> Offset:  # noqa: N802 - the API's name
        """Before the first record."""
        paging = RestPagination.model_validate(self.request["pagination"])
        first = first_page(self.request["url"], self.request["params"], paging)
        return Position(first).offset()

    def latestOffset(self, start: Offset, limit: Any = None) -> Offset:  # noqa: N802
        """After the last record the endpoint has now."""
        position = Position.of(start)
        for page, record, index in walk(self.request, self.secrets, position, None):
            position = Position(page, index if record is None else index + 1)
        return position.offset()

    def partitions(self, start: Offset, end: Offset) -> list[_Batch]:
        """One partition: the pages are read in order."""
        return [_Batch(start, end)]

    def read(self, partition: InputPartition) -> Iterator[tuple[Any, ...]]:
        """The rows between the partition's offsets."""
        assert isinstance(partition, _Batch)
        start, end = Position.of(partition.start), Position.of(partition.end)
        for page, record, _index in walk(self.request, self.secrets, start, end):
            yield record_row(self.columns, page, record)

    def commit(self, end: Offset) -> None:
        """Nothing to release: the endpoint is read again from the offset."""
