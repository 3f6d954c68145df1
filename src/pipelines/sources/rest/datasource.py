"""The ``lakehouse_rest`` Python data source: pages of JSON records in, raw rows out.

Runs in Spark's Python workers (locally and on Databricks). Options: ``request`` (JSON: the
source config, see ``rest_request``), ``secret_headers`` (the resolved auth header) and
``columns`` (JSON list of declared field names). Each row: the declared fields as text, the
record as JSON (``_record``), the endpoint read (``_source_file``) and the fetch time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pyspark.sql.datasource import DataSource, DataSourceReader, DataSourceStreamReader
from pyspark.sql.types import StructType

from pipelines.sources.rest.fetch import Endpoint
from pipelines.sources.rest.http import RestError
from pipelines.sources.rest.paging import PageRequest, dig, text_value

__all__ = ["RestDataSource", "RestReader", "read_pages", "record_row"]

NAME = "lakehouse_rest"


def read_pages(
    request: dict[str, Any], columns: list[str], secret_headers: dict[str, str] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every record of every page as a row (bounded by ``max_pages`` and the retries)."""
    endpoint = Endpoint.of(request, secret_headers or {})
    page: PageRequest | None = endpoint.first()
    while page is not None:
        body, records = endpoint.fetch(page)
        for record in records:
            yield record_row(columns, page, record, request["fields"])
        page = endpoint.following(page, body, len(records))


def record_row(
    columns: list[str], page: PageRequest, record: Any, fields: dict[str, str]
) -> tuple[Any, ...]:
    """The bronze row of one record: declared fields as text (a column of ``fields`` from its
    dotted path), the record, where, when."""
    found = record if isinstance(record, dict) else {}
    values = [
        text_value(dig(found, fields[name]) if name in fields else found.get(name))
        for name in columns
    ]
    fetched = datetime.now(UTC).replace(tzinfo=None)
    return (*values, text_value(record), _describe(page), fetched)


def _describe(page: PageRequest) -> str:
    parts = urlsplit(page.url)  # no query string: it may carry keys (nor the variables)
    return f"rest:{page.method} {parts.scheme}://{parts.netloc}{parts.path} page {page.number}"


class RestReader(DataSourceReader):
    """One partition: the pages are read in order (cursors forbid splitting them)."""

    def __init__(self, options: dict[str, str]) -> None:
        self.request = json.loads(options["request"])
        self.columns = json.loads(options["columns"])
        self.secret_headers = json.loads(options.get("secret_headers", "{}"))

    def read(self, partition: Any) -> Iterator[tuple[Any, ...]]:
        """Yield the rows."""
        yield from read_pages(self.request, self.columns, self.secret_headers)


class RestDataSource(DataSource):
    """``spark.read.format("lakehouse_rest")``; the schema always comes from the config."""

    @classmethod
    def name(cls) -> str:
        """The format name."""
        return NAME

    def schema(self) -> StructType | str:
        """Never used: the reader is always given the config's schema."""
        raise RestError("lakehouse_rest needs an explicit schema")

    def reader(self, schema: StructType) -> DataSourceReader:
        """The batch reader."""
        return RestReader(dict(self.options))

    def streamReader(self, schema: StructType) -> DataSourceStreamReader:  # noqa: N802
        """The streaming reader (``mode: stream``): new records since the last offset."""
        from pipelines.sources.rest.stream import RestStreamReader

        return RestStreamReader(dict(self.options))
