"""A real GraphQL API on 127.0.0.1 for the tests: graphql-core (the reference implementation)
executes a real schema, served over stdlib ``http.server`` in a thread, like
``pipelines.demo.api`` serves the REST one.

- ``POST /graphql`` with ``{"query", "variables"}`` (``Content-Type: application/json``, else
  415): ``guests(first, after, country)`` is a relay connection (``edges { cursor node }``,
  ``pageInfo { endCursor hasNextPage }``), ``guestPage(page, size)`` a plain list by page
  number, ``broken`` fails (the answer is 200 with ``errors``, as GraphQL servers answer)
- ``/moved`` answers 307 to ``/graphql``, ``/other`` 303; ``/fail`` always 500

With a ``token``, every request needs ``Authorization: Bearer <token>`` (else 401).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graphql import GraphQLResolveInfo, build_schema, graphql_sync

from pipelines.demo.api import JsonHandler

Info = GraphQLResolveInfo[None]

__all__ = ["GraphqlApi", "graphql_api", "guest_records"]

SCHEMA = build_schema("""
type Guest { id: ID!  name: String  country: String  nights: Int }
type GuestEdge { cursor: String!  node: Guest }
type PageInfo { endCursor: String  hasNextPage: Boolean! }
type GuestConnection { edges: [GuestEdge!]!  pageInfo: PageInfo! }
type Query {
  guests(first: Int!, after: String, country: String): GuestConnection!
  guestPage(page: Int!, size: Int!): [Guest!]!
  broken: [Guest!]!
}
""")
_COUNTRIES = ("FR", "PT", "ES")


def guest_records(count: int) -> list[dict[str, Any]]:
    """``count`` deterministic guests; guest 4 has no name (a quarantine case)."""
    return [
        {
            "id": str(i),
            "name": None if i == 4 else f"Guest {i}",
            "country": _COUNTRIES[i % len(_COUNTRIES)],
            "nights": i % 5 + 1,
        }
        for i in range(1, count + 1)
    ]


def cursor_of(position: int) -> str:
    """The opaque cursor after ``position`` guests (relay style: base64)."""
    return base64.b64encode(f"guest:{position}".encode()).decode()


@dataclass
class GraphqlApi:
    """The server; ``requests`` keeps each POST's path, variables, headers (for checks)."""

    records: list[dict[str, Any]]
    token: str | None = None
    requests: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))

    @property
    def url(self) -> str:
        """The endpoint, ``http://127.0.0.1:<port>/graphql``."""
        return f"{self.base_url}/graphql"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def serve(self) -> None:
        """Serve in a daemon thread."""
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def guests(
        self, _info: Info, first: int, after: str | None = None,
        country: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The ``guests`` connection: ``first`` guests after the cursor ``after``."""
        rows = [r for r in self.records if country is None or r["country"] == country]
        start = int(base64.b64decode(after).decode().split(":")[1]) if after else 0
        chunk = rows[start : start + first]
        edges = [{"cursor": cursor_of(start + i + 1), "node": r} for i, r in enumerate(chunk)]
        end = edges[-1]["cursor"] if edges else None
        return {"edges": edges, "pageInfo": {"endCursor": end, "hasNextPage": start + first < len(rows)}}  # fmt: skip

    def guestPage(self, _info: Info, page: int, size: int) -> list[dict[str, Any]]:  # noqa: N802
        """Page ``page`` (1-based) of ``size`` guests (the name is the schema's field)."""
        return self.records[(page - 1) * size : page * size]

    def broken(self, _info: Info) -> list[dict[str, Any]]:
        """Always fails: the answer carries ``errors``."""
        raise RuntimeError("the guest index is being rebuilt")

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:  # fmt: skip
        """Status, extra headers and JSON body for one POST."""
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, {"error": "unauthorized"}
        if path == "/moved":
            return 307, {"Location": "/graphql"}, {}
        if path == "/other":
            return 303, {"Location": "/graphql"}, {}
        if path != "/graphql":
            return 500, {}, {"error": "internal error"}
        if headers.get("Content-Type") != "application/json":
            return 415, {}, {"error": "send JSON"}
        sent = json.loads(body)
        self.requests.append((path, sent.get("variables") or {}, headers))
        result = graphql_sync(SCHEMA, sent["query"], self, variable_values=sent.get("variables"))
        return 200, {}, result.formatted


def _handler(api: GraphqlApi) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server calls it so
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_json(*api.answer(self.path, dict(self.headers.items()), body))

    return Handler


@contextmanager
def graphql_api(records: list[dict[str, Any]], token: str | None = None) -> Iterator[GraphqlApi]:
    """A running server for the duration of the block."""
    api = GraphqlApi(records, token)
    api.serve()
    try:
        yield api
    finally:
        api.stop()
