"""One source's pages, fetched: the request options resolved once, each page sent the way
its API reads it (a GET, or a GraphQL POST), its records found, and what went wrong named.

The batch reader (``datasource.read_pages``), the stream reader (``stream.walk``) and the
up-to-date check of a snapshot all fetch through here, so a GraphQL ``errors`` answer or a
records path that finds nothing fails each of them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.config.rest import RestPagination, RestRetry
from pipelines.redact import scrub_url
from pipelines.sources.rest.http import (
    How,
    RateLimiter,
    RestError,
    SecretHeaders,
    get_json,
    post_json,
)
from pipelines.sources.rest.paging import (
    PageRequest,
    first_page,
    graphql_errors,
    next_page,
    records_at,
)

__all__ = ["MAX_ERRORS_SHOWN", "Endpoint"]

MAX_ERRORS_SHOWN = 5
"""GraphQL error messages quoted in a failure (a bad query can give one per field)."""


@dataclass(frozen=True)
class Endpoint:
    """The reader's ``request`` option (see ``rest_request``) and the secret headers."""

    request: dict[str, Any]
    secrets: SecretHeaders
    paging: RestPagination
    retry: RestRetry
    limiter: RateLimiter

    @classmethod
    def of(cls, request: dict[str, Any], secret_headers: dict[str, str]) -> Endpoint:
        """The endpoint of ``request``; its secrets go to the configured origin only."""
        return cls(
            request,
            SecretHeaders(secret_headers, request["url"]),
            RestPagination.model_validate(request["pagination"]),
            RestRetry.model_validate(request["retry"]),
            RateLimiter(request.get("rate_limit_per_second")),
        )

    def first(self) -> PageRequest:
        """The first page (a GraphQL API's with its fixed variables)."""
        graphql = self.request.get("graphql")  # absent in options written before GraphQL
        variables = None if graphql is None else graphql["variables"]
        return first_page(self.request["url"], self.request["params"], self.paging, variables)

    def fetch(self, page: PageRequest) -> tuple[Any, list[Any]]:
        """The response to ``page`` and its records.

        Raises:
            RestError: The request failed, the answer holds GraphQL ``errors``, or the
                records path finds no records.
        """
        how: How = {
            "retry": self.retry, "timeout": self.request["timeout_seconds"],
            "limiter": self.limiter, "secrets": self.secrets,
        }  # fmt: skip
        headers = self.request["headers"]
        if page.variables is None:
            body = get_json(page.url, page.params, headers, **how)
        else:
            payload = {"query": self.request["graphql"]["query"], "variables": page.variables}
            body = post_json(page.url, page.params, payload, headers, **how)
            if errors := graphql_errors(body):
                raise self._error(page, f"GraphQL errors: {_quoted(errors)}")
        try:
            return body, records_at(body, self.request["records_path"])
        except ValueError as exc:
            raise self._error(page, str(exc)) from None

    def following(self, page: PageRequest, body: Any, records: int) -> PageRequest | None:
        """The page after ``page`` (None at the end).

        Raises:
            RestError: ``has_next_path`` finds no boolean.
        """
        try:
            return next_page(page, body, records, self.paging)
        except ValueError as exc:
            raise self._error(page, str(exc)) from None

    def _error(self, page: PageRequest, problem: str) -> RestError:
        return RestError(f"{page.method} {scrub_url(page.url)} page {page.number}: {problem}")


def _quoted(errors: list[str]) -> str:
    shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
    more = len(errors) - MAX_ERRORS_SHOWN
    return shown + (f" (and {more} more)" if more > 0 else "")
