"""HTTP GET of JSON with bounded retries, exponential backoff and a rate limit.

The waiting policy is pure (``backoff_seconds``); I/O, clock and sleep are injectable, so the
policy is tested without a network or real waiting.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from pipelines.config.rest import RestRetry

__all__ = ["RateLimiter", "RestError", "backoff_seconds", "get_json", "retry_after_seconds"]

RETRYABLE = frozenset({429, 500, 502, 503, 504})


class RestError(Exception):
    """A request that failed for good; the message names the endpoint and the status."""


def retry_after_seconds(header: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds to wait: delta-seconds or an HTTP date; None if unusable."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def backoff_seconds(attempt: int, retry: RestRetry, retry_after: float | None) -> float:
    """Wait before attempt ``attempt + 1``: Retry-After if given, else base * 2^(attempt-1).

    Both are capped at ``max_backoff_seconds``.
    """
    wait = retry_after if retry_after is not None else retry.backoff_seconds * 2 ** (attempt - 1)
    return min(wait, retry.max_backoff_seconds)


@dataclass
class RateLimiter:
    """At most ``per_second`` requests per second (None: no limit)."""

    per_second: float | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = field(default=None, repr=False)

    def wait(self) -> None:
        """Block until the next request may go."""
        if self.per_second is None:
            return
        now = self.clock()
        if self._last is not None:
            gap = 1.0 / self.per_second - (now - self._last)
            if gap > 0:
                self.sleep(gap)
                now += gap
        self._last = now


def endpoint(url: str, params: Mapping[str, str]) -> str:
    """The full URL of a request (its query merged with ``params``)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(dict(params))) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


Opener = Callable[[urllib.request.Request, float], Any]


def _open(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)


def get_json(
    url: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    retry: RestRetry,
    timeout: float,
    limiter: RateLimiter,
    opener: Opener = _open,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """GET and parse JSON, retrying 429/5xx and network errors up to ``retry.max_attempts``.

    Raises:
        RestError: ``GET <url>: HTTP <status> <reason> after <n> attempts`` (or the network
            error, or that the body is not JSON).
    """
    target = endpoint(url, params)
    problem = ""
    for attempt in range(1, retry.max_attempts + 1):
        limiter.wait()
        request = urllib.request.Request(target, headers=dict(headers), method="GET")
        retry_after: float | None = None
        try:
            with opener(request, timeout) as response:
                body = response.read()
            try:
                return json.loads(body)
            except ValueError as exc:
                raise RestError(f"GET {target}: response is not JSON ({exc})") from None
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in RETRYABLE:
                raise RestError(f"GET {target}: {problem}") from None
            retry_after = retry_after_seconds(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            problem = f"{getattr(exc, 'reason', exc)}"
        if attempt < retry.max_attempts:
            sleep(backoff_seconds(attempt, retry, retry_after))
    plural = "s" if retry.max_attempts != 1 else ""
    raise RestError(f"GET {target}: {problem} after {retry.max_attempts} attempt{plural}")
