"""A small JSON API on 127.0.0.1 for the demo and the tests (stdlib ``http.server``, a thread).

Room rates of a hotel group, served under every pagination style the REST source supports,
plus endpoints that misbehave the way real ones do:

- ``/rates/page?page=N&size=S`` -> ``{"data": {"items": [...]}}`` (empty page at the end)
- ``/rates/offset?offset=O&limit=L`` -> ``{"items": [...]}``
- ``/rates/cursor?cursor=C`` -> ``{"items": [...], "next_cursor": C2 | null}`` (pages of 4)
- ``/rates/link`` -> ``{"items": [...], "links": {"next": URL | null}}`` (pages of 4)
- ``/flaky/429/...`` and ``/flaky/503/...``: the first request of each path fails with that
  status (429 with ``Retry-After: 0``), the next ones answer like ``/rates/...``
- ``/fail``: always 500

With a ``token``, every request needs ``Authorization: Bearer <token>`` (else 401).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["DemoApi", "JsonHandler", "demo_api", "rate_records"]

_HOTELS = ("Lisbon Riverside", "Porto Ribeira", "Madrid Centro", "Paris Marais")
_ROOMS = ("single", "double", "suite")
_CURSOR_PAGE = 4
_MANAGERS = ("ines.duarte", "rui.matos", "lucia.ferrer", "camille.roux", "joao.pinto")


def rate_records(count: int, *, updated_by: bool = False) -> list[dict[str, Any]]:
    """``count`` deterministic room-rate records (with a nested field and a null).

    ``updated_by``: each record also names the revenue manager who set the rate, by e-mail
    (personal data: the demo's REST source declares it PII).
    """
    records = [
        {
            "rate_id": i,
            "hotel": _HOTELS[i % len(_HOTELS)],
            "room_type": _ROOMS[i % len(_ROOMS)],
            "price": round(80 + i * 7.25, 2),
            "currency": "EUR",
            "valid_from": f"2026-{1 + i % 12:02d}-01",
            "breakfast": i % 2 == 0,
            "tags": ["refundable"] if i % 3 == 0 else [],
            "promo_code": None if i % 4 else f"PROMO{i}",
        }
        for i in range(1, count + 1)
    ]
    if updated_by:
        for i, record in enumerate(records, start=1):
            record["updated_by"] = f"{_MANAGERS[i % len(_MANAGERS)]}@hotels.example.com"
    return records


class DemoApi:
    """The server; ``hits`` counts requests per path (query string left out)."""

    def __init__(self, records: list[dict[str, Any]], token: str | None = None) -> None:
        self.records = records
        self.token = token
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DemoApi:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self, path: str, query: dict[str, str], authorization: str | None
    ) -> tuple[int, dict[str, str], Any]:
        """Status, extra headers and JSON body for one request."""
        with self._lock:
            self.hits[path] += 1
            hits = self.hits[path]
        if self.token is not None and authorization != f"Bearer {self.token}":
            return 401, {}, {"error": "unauthorized"}
        if path == "/fail":
            return 500, {}, {"error": "internal error"}
        parts = path.strip("/").split("/")
        if parts[0] == "flaky" and len(parts) == 4 and parts[1] in {"429", "503"}:
            if hits == 1:
                headers = {"Retry-After": "0"} if parts[1] == "429" else {}
                return int(parts[1]), headers, {"error": "try again"}
            parts = parts[2:]
        if len(parts) == 2 and parts[0] == "rates":
            return self._page(parts[1], path, query)
        return 404, {}, {"error": f"no such endpoint {path}"}

    def _page(
        self, style: str, path: str, query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        rows = self.records
        if style == "page":
            size, page = int(query.get("size", "10")), int(query.get("page", "1"))
            return 200, {}, {"data": {"items": rows[(page - 1) * size : page * size]}}
        if style == "offset":
            limit, offset = int(query.get("limit", "10")), int(query.get("offset", "0"))
            return 200, {}, {"items": rows[offset : offset + limit]}
        start = int(query.get("cursor") or query.get("after") or "0")
        chunk = rows[start : start + _CURSOR_PAGE]
        more = start + _CURSOR_PAGE < len(rows)
        following = str(start + _CURSOR_PAGE) if more else None
        if style == "cursor":
            return 200, {}, {"items": chunk, "next_cursor": following}
        if style == "link":
            link = f"{self.base_url}{path}?after={following}" if following else None
            return 200, {}, {"items": chunk, "links": {"next": link}}
        return 404, {}, {"error": f"no such style {style}"}


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler that answers JSON (this API's, and the test servers' beside it)."""

    def send_json(self, status: int, headers: dict[str, str], body: Any) -> None:
        """Answer ``status`` with ``body`` as JSON and the extra ``headers``."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing on stderr: a test's or the demo's output stays readable."""
        return


def _handler(api: DemoApi) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            self.send_json(*api.answer(url.path, query, self.headers.get("Authorization")))

    return Handler


@contextmanager
def demo_api(records: list[dict[str, Any]], token: str | None = None) -> Iterator[DemoApi]:
    """A running server for the duration of the block."""
    api = DemoApi(records, token).start()
    try:
        yield api
    finally:
        api.stop()
