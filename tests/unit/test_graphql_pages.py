"""GraphQL sources read against a real GraphQL API (graphql-core over ``http.server`` on
127.0.0.1, ``tests/graphql_api.py``), no Spark: the POSTs, their variables, the stops, the
errors, redirects and the stream offsets; and the pure paging functions behind them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from pipelines.config.rest import RestPagination, RestSource
from pipelines.platform import platform_for
from pipelines.sources.rest import rest_request
from pipelines.sources.rest.datasource import read_pages
from pipelines.sources.rest.http import RestError
from pipelines.sources.rest.paging import (
    PageRequest,
    first_page,
    graphql_errors,
    next_page,
    records_at,
)
from pipelines.sources.rest.stream import Position, RestStreamReader
from tests.graphql_api import GraphqlApi, cursor_of, graphql_api, guest_records

GUESTS = """query Guests($first: Int!, $after: String, $country: String) {
  guests(first: $first, after: $after, country: $country) {
    edges { node { id name country nights } }
    pageInfo { endCursor hasNextPage }
  }
}"""
RELAY = {
    "style": "cursor", "param": "after", "size_param": "first", "size": 3,
    "cursor_path": "data.guests.pageInfo.endCursor",
    "has_next_path": "data.guests.pageInfo.hasNextPage",
}  # fmt: skip
TOKEN = "s3cret-token"


@pytest.fixture
def api() -> Iterator[GraphqlApi]:
    with graphql_api(guest_records(7), token=TOKEN) as server:
        yield server


def _request(
    url: str, query: str = GUESTS, pagination: Mapping[str, Any] = RELAY,
    records_path: str = "data.guests.edges.node", variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    source = RestSource.model_validate({
        "type": "rest", "url": url, "records_path": records_path, "pagination": pagination,
        "graphql": {"query": query, "variables": variables or {}},
        "retry": {"max_attempts": 2, "backoff_seconds": 0},
    })  # fmt: skip
    return rest_request(source, platform_for("local"))


def _read(request: dict[str, Any]) -> list[tuple[Any, ...]]:
    secret = {"Authorization": f"Bearer {TOKEN}"}
    return list(read_pages(request, ["id", "name"], secret))


def test_relay_pages_are_posted_with_typed_variables_until_has_next_page_is_false(
    api: GraphqlApi,
) -> None:
    rows = _read(_request(api.url))
    assert [(r[0], r[1]) for r in rows] == [
        ("1", "Guest 1"), ("2", "Guest 2"), ("3", "Guest 3"), ("4", None),
        ("5", "Guest 5"), ("6", "Guest 6"), ("7", "Guest 7"),
    ]  # fmt: skip
    # three POSTs, the last one stopped by hasNextPage (no fourth, empty page asked for)
    assert [v for _path, v, _h in api.requests] == [
        {"first": 3}, {"first": 3, "after": cursor_of(3)}, {"first": 3, "after": cursor_of(6)},
    ]  # fmt: skip
    assert {h["Content-Type"] for _p, _v, h in api.requests} == {"application/json"}
    assert {h["Accept"] for _p, _v, h in api.requests} == {"application/json"}
    # bronze keeps the node (not the edge) and names the POST
    assert rows[0][2] == '{"id":"1","name":"Guest 1","country":"PT","nights":2}'
    assert rows[6][3] == f"rest:POST {api.url} page 3"


def test_fixed_variables_and_page_numbers_go_into_the_variables(api: GraphqlApi) -> None:
    rows = _read(_request(api.url, variables={"country": "FR"}))
    assert [r[0] for r in rows] == ["3", "6"]
    assert [v for _p, v, _h in api.requests] == [{"country": "FR", "first": 3}]
    page = "query P($page: Int!, $size: Int!) { guestPage(page: $page, size: $size) { id } }"
    paging = {"style": "page", "size_param": "size", "size": 3, "param": "page"}
    api.requests.clear()
    rows = _read(_request(api.url, page, paging, "data.guestPage"))
    assert [r[0] for r in rows] == [str(i) for i in range(1, 8)]
    assert [v for _p, v, _h in api.requests] == [
        {"size": 3, "page": 1}, {"size": 3, "page": 2}, {"size": 3, "page": 3},
    ]  # fmt: skip


def test_an_errors_answer_fails_the_read_with_its_messages(api: GraphqlApi) -> None:
    broken = _request(api.url, "{ broken { id } }", {"style": "none"}, "data.broken")
    with pytest.raises(RestError) as caught:
        _read(broken)
    assert str(caught.value) == (
        f"POST {api.url} page 1: GraphQL errors: the guest index is being rebuilt"
    )
    invalid = GUESTS.replace("nights", "nights stays")
    with pytest.raises(RestError) as caught:
        _read(_request(api.url, invalid))
    assert str(caught.value) == (
        f"POST {api.url} page 1: GraphQL errors: Cannot query field 'stays' on type 'Guest'."
    )


def test_a_has_next_path_that_finds_no_boolean_fails(api: GraphqlApi) -> None:
    paging = {**RELAY, "has_next_path": "data.guests.pageInfo.hasMore"}
    with pytest.raises(RestError) as caught:
        _read(_request(api.url, pagination=paging))
    assert str(caught.value) == (
        f"POST {api.url} page 1: no true or false at 'data.guests.pageInfo.hasMore' "
        "(found NoneType)"
    )


def test_post_failures_and_redirects_name_the_method(api: GraphqlApi) -> None:
    with pytest.raises(RestError) as caught:
        _read(_request(f"{api.base_url}/fail"))
    assert str(caught.value) == (
        f"POST {api.base_url}/fail: HTTP 500 Internal Server Error after 2 attempts"
    )
    # 307: the POST is sent again with its body and (same origin) its auth header
    assert len(_read(_request(f"{api.base_url}/moved"))) == 7
    assert {h["Authorization"] for _p, _v, h in api.requests} == {f"Bearer {TOKEN}"}
    # 303 would turn it into a GET without the query: refused, naming where it pointed
    with pytest.raises(RestError) as caught:
        _read(_request(f"{api.base_url}/other"))
    assert str(caught.value) == (
        f"POST {api.base_url}/other: HTTP 303 See Other (to {api.base_url}/graphql: a POST is "
        "followed on 307/308 only)"
    )


def test_a_graphql_stream_resumes_at_the_variables_of_its_last_page(api: GraphqlApi) -> None:
    options = {
        "request": json.dumps(_request(api.url)), "columns": '["id"]',
        "secret_headers": json.dumps({"Authorization": f"Bearer {TOKEN}"}),
    }  # fmt: skip
    reader = RestStreamReader(options)
    start = reader.initialOffset()
    assert start == {"url": api.url, "params": {}, "page": 1, "seen": 0, "variables": {"first": 3}}
    end = reader.latestOffset(start, None)
    assert end == {
        "url": api.url, "params": {}, "page": 3, "seen": 1,
        "variables": {"first": 3, "after": cursor_of(6)},
    }  # fmt: skip
    assert reader.latestOffset(end, None) == end  # nothing new: no micro-batch
    api.records.extend(guest_records(11)[7:])
    later = reader.latestOffset(end, None)
    assert later["variables"] == {"first": 3, "after": cursor_of(9)}
    assert later["seen"] == 2
    [partition] = reader.partitions(end, later)
    assert [row[0] for row in reader.read(partition)] == ["8", "9", "10", "11"]


def test_an_offset_checkpointed_before_graphql_still_loads() -> None:
    old = {"url": "http://api/rates", "params": {"page": "3"}, "page": 3, "seen": 2}
    position = Position.of(old)
    assert position.request == PageRequest("http://api/rates", {"page": "3"}, 3)
    assert position.request.method == "GET"
    assert position.offset() == old  # written back unchanged: no spurious new batch


def test_paging_into_variables_keeps_their_types() -> None:
    paging = RestPagination(style="offset", param="skip", start=0, size_param="take", size=2)
    first = first_page("http://api/graphql", {"v": "1"}, paging, {"country": "FR"})
    assert (first.params, first.variables, first.method) == (
        {"v": "1"}, {"country": "FR", "take": 2, "skip": 0}, "POST",
    )  # fmt: skip
    second = next_page(first, {}, 2, paging)
    assert second is not None
    assert (second.variables, second.number) == ({"country": "FR", "take": 2, "skip": 2}, 2)
    assert next_page(second, {}, 1, paging) is None  # a short page
    relay = RestPagination(
        style="cursor", param="after", cursor_path="p.end", has_next_path="p.more"
    )
    page = first_page("http://api/graphql", {}, relay, {})
    assert next_page(page, {"p": {"end": "c1", "more": False}}, 1, relay) is None
    following = next_page(page, {"p": {"end": "c1", "more": True}}, 1, relay)
    assert following is not None
    assert following.variables == {"after": "c1"}


def test_records_through_edges_and_errors_of_an_answer() -> None:
    body = {"data": {"g": {"edges": [{"node": {"id": 1}}, {"node": {"id": 2}}]}}}
    assert records_at(body, "data.g.edges.node") == [{"id": 1}, {"id": 2}]
    assert records_at(body, "data.g.edges.0.node") == [{"id": 1}]
    assert records_at({"data": {"g": {"edges": []}}}, "data.g.edges.node") == []
    assert graphql_errors({"data": None, "errors": [{"message": "a"}, {"message": "b"}]}) == [
        "a", "b",
    ]  # fmt: skip
    assert graphql_errors({"data": {}, "errors": []}) == []
    assert graphql_errors([1, 2]) == []
