"""REST pagination, backoff, rate limit and retries: pure logic, no Spark, no network."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest

from pipelines.config.rest import RestPagination, RestRetry
from pipelines.sources.rest.http import (
    RateLimiter,
    RestError,
    backoff_seconds,
    get_json,
    retry_after_seconds,
)
from pipelines.sources.rest.paging import PageRequest, first_page, next_page, records_at, text_value


def _walk(paging: RestPagination, pages: list[Any], path: str = "items") -> list[dict[str, str]]:
    """The query parameters of every request a read makes over canned responses."""
    request: PageRequest | None = first_page("http://api/x", {"q": "1"}, paging)
    seen = []
    for body in pages:
        assert request is not None
        seen.append({**request.params, "url": request.url})
        request = next_page(request, body, len(records_at(body, path)), paging)
    assert request is None
    return seen


def test_page_number_pagination_stops_at_a_short_page() -> None:
    paging = RestPagination(style="page", size_param="size", size=2)
    pages = [{"items": [1, 2]}, {"items": [3, 4]}, {"items": [5]}]
    assert [p["page"] for p in _walk(paging, pages)] == ["1", "2", "3"]


def test_offset_pagination_advances_by_records_read() -> None:
    paging = RestPagination(style="offset", param="offset", start=0)
    pages = [{"items": [1, 2, 3]}, {"items": [4, 5]}, {"items": []}]
    assert [p["offset"] for p in _walk(paging, pages)] == ["0", "3", "5"]


def test_cursor_and_next_link_pagination() -> None:
    cursor = RestPagination(style="cursor", param="after", cursor_path="meta.next")
    pages = [{"items": [1], "meta": {"next": "c2"}}, {"items": [2], "meta": {"next": None}}]
    assert [p.get("after") for p in _walk(cursor, pages)] == [None, "c2"]
    link = RestPagination(style="cursor", next_link_path="links.next")
    pages = [{"items": [1], "links": {"next": "http://api/x?p=2"}}, {"items": [2], "links": {}}]
    assert [p["url"] for p in _walk(link, pages)] == ["http://api/x", "http://api/x?p=2"]


def test_max_pages_bounds_an_endless_api() -> None:
    paging = RestPagination(style="cursor", param="c", cursor_path="next", max_pages=3)
    pages = [{"items": [1], "next": "same"}] * 3
    assert len(_walk(paging, pages)) == 3


def test_records_and_values() -> None:
    assert records_at({"data": {"items": [{"a": 1}]}}, "data.items") == [{"a": 1}]
    assert records_at([{"a": 1}], "") == [{"a": 1}]
    with pytest.raises(ValueError, match=r"^no list of records at") as caught:
        records_at({"data": {}}, "data.rows")
    assert str(caught.value) == "no list of records at 'data.rows' (found NoneType)"
    assert [text_value(v) for v in ("x", None, 1.5, True, [1, "a"], {"k": None})] == [
        "x", None, "1.5", "true", '[1,"a"]', '{"k":null}',
    ]  # fmt: skip


def test_backoff_is_exponential_capped_and_retry_after_wins() -> None:
    retry = RestRetry(backoff_seconds=0.5, max_backoff_seconds=3)
    assert [backoff_seconds(n, retry, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert backoff_seconds(1, retry, 2.0) == 2.0
    assert backoff_seconds(1, retry, 30.0) == 3.0
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_rate_limiter_spaces_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 0.05
    limiter.wait()
    now[0] += 0.5
    limiter.wait()
    assert slept == [pytest.approx(0.2)]


class _Response(io.BytesIO):
    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def _error(code: int, retry_after: str | None = None) -> urllib.error.HTTPError:
    headers = Message()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    reason = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable", 404: "Not Found"}[code]  # fmt: skip
    return urllib.error.HTTPError("http://api/x", code, reason, headers, None)


def _opener(script: list[Any]) -> tuple[Any, list[str]]:
    urls: list[str] = []

    def opener(request: urllib.request.Request, timeout: float) -> Any:
        urls.append(request.full_url)
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return _Response(step)

    return opener, urls


def _get(script: list[Any], attempts: int = 3) -> tuple[Any, list[str], list[float]]:
    opener, urls = _opener(script)
    waits: list[float] = []
    body = get_json(
        "http://api/x", {"page": "2"}, {}, retry=RestRetry(max_attempts=attempts, backoff_seconds=1),
        timeout=5, limiter=RateLimiter(None), opener=opener, sleep=waits.append,
    )  # fmt: skip
    return body, urls, waits


def test_429_then_200_waits_retry_after_and_503_backs_off() -> None:
    assert _get([_error(429, "4"), b'{"ok": 1}']) == ({"ok": 1}, ["http://api/x?page=2"] * 2, [4.0])
    assert _get([_error(503), _error(503), b"[]"])[2] == [1.0, 2.0]


def test_exhausted_retries_and_client_errors_name_endpoint_and_status() -> None:
    with pytest.raises(RestError) as caught:
        _get([_error(500)] * 3)
    assert str(caught.value) == (
        "GET http://api/x?page=2: HTTP 500 Internal Server Error after 3 attempts"
    )
    with pytest.raises(RestError) as caught:
        _get([_error(404)])
    assert str(caught.value) == "GET http://api/x?page=2: HTTP 404 Not Found"
    with pytest.raises(RestError) as caught:
        _get([b"<html>"])
    assert str(caught.value).startswith("GET http://api/x?page=2: response is not JSON (")
