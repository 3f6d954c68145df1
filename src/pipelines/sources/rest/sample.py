"""An API's first records, sampled for ``lakehouse new-source`` (the reader's own paging, in
this process: no Spark)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pipelines.config.rest import RestSource
from pipelines.errors import LakehouseError
from pipelines.platform import Platform
from pipelines.sources.rest import rest_request, secret_headers
from pipelines.sources.rest.fetch import Endpoint
from pipelines.sources.rest.http import RestError
from pipelines.sources.rest.paging import PageRequest, text_value
from pipelines.sources.sample import Sample

__all__ = ["sample_endpoint"]


def sample_endpoint(source: RestSource, platform: Platform, rows: int) -> Sample:
    """Up to ``rows`` records, page after page as a run reads them; values as bronze writes
    them (``text_value``: text as is, anything else as JSON).

    Raises:
        SecretNotFound: A secret the block names is not set.
        LakehouseError: The API failed for good (after the retries), or a record is not an
            object.
    """
    request = rest_request(source, platform)
    endpoint = Endpoint.of(request, secret_headers(source, platform))
    where = _where(request["url"], source)
    records: list[Any] = []
    page: PageRequest | None = endpoint.first()
    try:
        while page is not None and len(records) <= rows:
            body, found = endpoint.fetch(page)
            records += found
            page = endpoint.following(page, body, len(found))
    except (RestError, ValueError) as error:
        raise LakehouseError(f"{where}: {error}") from None
    if not all(isinstance(r, dict) for r in records):
        raise LakehouseError(f"{where}: the records are not JSON objects (check records_path)")
    return Sample(
        where=where,
        records=records[:rows],
        text=text_value,
        complete=page is None and len(records) <= rows,
        nested=True,
        fields=dict(source.fields),
    )


def _where(url: str, source: RestSource) -> str:
    """``GET https://api.example.com/v1/rates``: no query string (it may carry a key)."""
    parts = urlsplit(url)
    method = "POST" if source.graphql is not None else "GET"
    return f"{method} {parts.scheme}://{parts.netloc}{parts.path}"
