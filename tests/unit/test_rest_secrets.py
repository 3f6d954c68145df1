"""Issue 14: the REST auth header reaches the configured origin only (not a next link or a
redirect to another host or port), and URLs in errors are scrubbed of credentials.

Real HTTP servers on 127.0.0.1 (two ports: two origins), no Spark.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelines.config.rest import RestPagination, RestRetry
from pipelines.events import FlowState
from pipelines.ops.record import RunInfo, flow_rows, run_row
from pipelines.redact import scrub_text, scrub_url
from pipelines.sources.rest.datasource import read_pages
from pipelines.sources.rest.http import RestError

TOKEN = {"Authorization": "Bearer s3cret-token"}


class _Server:
    """An HTTP server that records the Authorization header of every request and answers
    from ``routes`` (path -> (status, headers, JSON body))."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.routes: dict[str, tuple[int, dict[str, str], Any]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.seen.append((path, self.headers.get("Authorization")))
                status, headers, body = server.routes.get(path, (404, {}, {"error": "no"}))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    first, second = _Server(), _Server()
    yield first, second
    for server in (first, second):
        server.httpd.shutdown()
        server.httpd.server_close()


def _request(url: str, paging: RestPagination | None = None) -> dict[str, Any]:
    return {
        "url": url,
        "params": {},
        "headers": {"Accept": "application/json"},
        "records_path": "items",
        "fields": {},
        "pagination": (paging or RestPagination()).model_dump(),
        "retry": RestRetry(max_attempts=1).model_dump(),
        "rate_limit_per_second": None,
        "timeout_seconds": 5,
    }


def test_a_next_link_to_another_origin_gets_no_auth_header(
    servers: tuple[_Server, _Server],
) -> None:
    api, other = servers
    api.routes["/rates"] = (200, {}, {"items": [{"id": 1}], "next": f"{api.url}/rates2"})
    api.routes["/rates2"] = (200, {}, {"items": [{"id": 2}], "next": f"{other.url}/steal"})
    other.routes["/steal"] = (200, {}, {"items": [{"id": 3}]})
    paging = RestPagination(style="cursor", next_link_path="next")
    rows = list(read_pages(_request(f"{api.url}/rates", paging), ["id"], TOKEN))
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert api.seen == [("/rates", "Bearer s3cret-token"), ("/rates2", "Bearer s3cret-token")]
    assert other.seen == [("/steal", None)]


def test_a_redirect_keeps_the_header_on_its_origin_only(servers: tuple[_Server, _Server]) -> None:
    api, other = servers
    api.routes["/moved"] = (302, {"Location": f"{api.url}/here"}, {})
    api.routes["/here"] = (200, {}, {"items": [{"id": 1}]})
    api.routes["/away"] = (302, {"Location": f"{other.url}/steal"}, {})
    other.routes["/steal"] = (200, {}, {"items": [{"id": 2}]})
    assert len(list(read_pages(_request(f"{api.url}/moved"), ["id"], TOKEN))) == 1
    assert len(list(read_pages(_request(f"{api.url}/away"), ["id"], TOKEN))) == 1
    assert api.seen == [
        ("/moved", "Bearer s3cret-token"),
        ("/here", "Bearer s3cret-token"),
        ("/away", "Bearer s3cret-token"),
    ]
    assert other.seen == [("/steal", None)]


def test_errors_name_the_url_without_its_credentials(servers: tuple[_Server, _Server]) -> None:
    api, _other = servers
    api.routes["/rates"] = (500, {}, {"error": "boom"})
    url = f"{api.url}/rates?api_key=k-123&page=3"
    with pytest.raises(RestError) as caught:
        list(read_pages(_request(url), ["id"], TOKEN))
    assert str(caught.value) == (
        f"GET {api.url}/rates?api_key=***&page=3: HTTP 500 Internal Server Error after 1 attempt"
    )


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("GET https://etl:pw@api.example.com:8443/x?token=t&cursor=c2: HTTP 500",
         "GET https://***@api.example.com:8443/x?token=***&cursor=c2: HTTP 500"),
        ("jdbc:postgresql://db:5432/crm?user=etl&password=hunter2 refused",
         "jdbc:postgresql://db:5432/crm?user=***&password=*** refused"),
        ("jdbc:sqlserver://db:1433;databaseName=crm;password=hunter2",
         "jdbc:sqlserver://db:1433;databaseName=crm;password=***"),
        ("auth failed: api_key=abc, 3 rows", "auth failed: api_key=***, 3 rows"),
        ("secret 'crm/password' is not set: looked in $LAKEHOUSE_SECRET_CRM_PASSWORD",
         "secret 'crm/password' is not set: looked in $LAKEHOUSE_SECRET_CRM_PASSWORD"),
    ],
)  # fmt: skip
def test_scrub_text(text: str, scrubbed: str) -> None:
    assert scrub_text(text) == scrubbed


def test_scrub_url_keeps_a_url_without_credentials() -> None:
    assert scrub_url("https://api.example.com/v2/rates?page=2") == (
        "https://api.example.com/v2/rates?page=2"
    )


def test_ops_rows_keep_no_url_credential() -> None:
    error = "RestError: GET https://etl:pw@api.example.com/rates?api_key=k-123&page=3: HTTP 500"
    flows = {"bronze.room_rates": FlowState("bronze.room_rates", "FAILED", error=error)}
    (row,) = flow_rows("r1", ["bronze.room_rates"], flows, {})
    scrubbed = "RestError: GET https://***@api.example.com/rates?api_key=***&page=3: HTTP 500"
    assert row["error"] == scrubbed
    info = RunInfo("r1", "local", "manual", {}, datetime(2026, 1, 1), error_summary=error)
    assert run_row(info)["error_summary"] == scrubbed
