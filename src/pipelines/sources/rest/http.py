"""HTTP requests of JSON (a GET, or a POST of a JSON body: GraphQL) with bounded retries,
exponential backoff and a rate limit; both methods share every rule (one ``request_json``).

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
from typing import Any, Required, TypedDict, Unpack
from urllib.parse import urlencode, urlsplit, urlunsplit

from pipelines.config.rest import RestRetry
from pipelines.redact import scrub_text, scrub_url

__all__ = [
    "How",
    "RateLimiter",
    "RestError",
    "SecretHeaders",
    "backoff_seconds",
    "get_json",
    "origin",
    "post_json",
    "request_json",
    "retry_after_seconds",
]

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


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url`` (the default port made explicit)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class SecretHeaders:
    """The auth header and the one origin it may be sent to: the configured endpoint's.

    A next link or a redirect to another host (or scheme, or port) gets the request without
    it: a page URL comes from the response body and a redirect from the server, and neither
    should be able to collect the token.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""

    def allowed(self, url: str) -> bool:
        """Whether ``url`` is on the configured origin."""
        return bool(self.headers) and origin(url) == origin(self.url)


class _Request(urllib.request.Request):
    """A request that knows its secret headers, so a redirect can decide about them."""

    secrets: SecretHeaders = SecretHeaders()


class _SameOriginRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects; the auth header only where the target is the configured origin.

    urllib never copies *unredirected* headers to the redirected request, and the auth header
    is one, so it is dropped unless added back here. A POST (GraphQL) is followed on 307 and
    308 only, as a POST with its body (what those codes mean); urllib would turn a 301-303
    into a GET without the body, and a GraphQL API read by GET without its query answers
    something else: that redirect fails the request instead, naming the target.
    """

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ) -> urllib.request.Request | None:
        if req.get_method() == "POST":
            if code not in (307, 308):
                reason = f"{msg} (to {scrub_url(newurl)}: a POST is followed on 307/308 only)"
                raise urllib.error.HTTPError(req.full_url, code, reason, headers, fp)
            kept = {k: v for k, v in req.header_items() if k not in req.unredirected_hdrs}
            new: urllib.request.Request | None = _Request(
                newurl, data=req.data, headers=kept, method="POST"
            )
        else:
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
        secrets = getattr(req, "secrets", SecretHeaders())
        if new is not None and secrets.allowed(newurl):
            for name, value in secrets.headers.items():
                new.add_unredirected_header(name, value)
        if new is not None:
            new.secrets = secrets  # type: ignore[attr-defined]
        return new


Opener = Callable[[urllib.request.Request, float], Any]

_OPENER = urllib.request.build_opener(_SameOriginRedirect())


def _open(request: urllib.request.Request, timeout: float) -> Any:
    return _OPENER.open(request, timeout=timeout)


class How(TypedDict, total=False):
    """How ``request_json`` sends: its keyword arguments, typed once for every method."""

    retry: Required[RestRetry]
    timeout: Required[float]
    limiter: Required[RateLimiter]
    opener: Opener
    sleep: Callable[[float], None]
    secrets: SecretHeaders | None


def get_json(
    url: str, params: Mapping[str, str], headers: Mapping[str, str], **how: Unpack[How]
) -> Any:
    """GET and parse JSON (``request_json``)."""
    return request_json("GET", url, params, headers, **how)


def post_json(
    url: str,
    params: Mapping[str, str],
    payload: Any,
    headers: Mapping[str, str],
    **how: Unpack[How],
) -> Any:
    """POST ``payload`` as a JSON body and parse the JSON answer (``request_json``)."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    sent = {**headers, "Content-Type": "application/json"}
    return request_json("POST", url, params, sent, data=data, **how)


def request_json(
    method: str,
    url: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    retry: RestRetry,
    timeout: float,
    limiter: RateLimiter,
    data: bytes | None = None,
    opener: Opener = _open,
    sleep: Callable[[float], None] = time.sleep,
    secrets: SecretHeaders | None = None,
) -> Any:
    """Send ``method`` (with ``data`` as the body) and parse JSON, retrying 429/5xx and
    network errors up to ``retry.max_attempts``; ``secrets`` go only to their origin (see
    ``SecretHeaders``). A POST is retried like a GET: the reads it serves (GraphQL queries)
    change nothing on the server.

    Raises:
        RestError: ``<METHOD> <url>: HTTP <status> <reason> after <n> attempts`` (or the
            network error, or that the body is not JSON); the URL is scrubbed of credentials.
    """
    target = endpoint(url, params)
    shown = f"{method} {scrub_url(target)}"
    secrets = secrets or SecretHeaders()
    problem = ""
    for attempt in range(1, retry.max_attempts + 1):
        limiter.wait()
        request = _Request(target, data=data, headers=dict(headers), method=method)
        request.secrets = secrets
        if secrets.allowed(target):
            for name, value in secrets.headers.items():
                request.add_unredirected_header(name, value)
        retry_after: float | None = None
        try:
            with opener(request, timeout) as response:
                body = response.read()
            try:
                return json.loads(body)
            except ValueError as exc:
                raise RestError(f"{shown}: response is not JSON ({exc})") from None
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in RETRYABLE:
                raise RestError(f"{shown}: {problem}") from None
            retry_after = retry_after_seconds(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            problem = scrub_text(f"{getattr(exc, 'reason', exc)}")
        if attempt < retry.max_attempts:
            sleep(backoff_seconds(attempt, retry, retry_after))
    plural = "s" if retry.max_attempts != 1 else ""
    raise RestError(f"{shown}: {problem} after {retry.max_attempts} attempt{plural}")
