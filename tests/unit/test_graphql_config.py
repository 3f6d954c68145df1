"""The ``graphql`` block of a REST source: what the loader refuses, where, and why (exact
messages, with file, line and key path, as tests/unit/test_config_errors.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config._graphql import scan
from pipelines.config.rest import RestSource
from pipelines.errors import ConfigErrors

RATES = "sources/room_rates.yml"
QUERY = """query Guests($first: Int!, $after: String) {
      guests(first: $first, after: $after) { edges { node { id } } pageInfo { endCursor } }
    }"""
PAGING = "{style: cursor, param: after, size_param: first, size: 2, cursor_path: data.guests.pageInfo.endCursor}"  # fmt: skip


def _graphql(conf: Path, graphql: str, pagination: str = PAGING) -> list[str]:
    """The problems of room_rates turned GraphQL (``graphql`` at line 14, pagination 15)."""
    path = conf / RATES
    text = path.read_text()
    old = "  pagination: {style: cursor, param: cursor, cursor_path: next_cursor}\n"
    assert old in text
    path.write_text(text.replace(old, f"  graphql: {graphql}\n  pagination: {pagination}\n"))
    try:
        with pytest.raises(ConfigErrors) as caught:
            load_config(conf)
    finally:
        path.write_text(text)
    return [str(p).replace(f"{conf}/", "") for p in caught.value.problems]


def test_a_graphql_source_is_valid() -> None:
    source = RestSource.model_validate({
        "type": "rest", "url": "http://api/graphql", "records_path": "data.guests.edges.node",
        "graphql": {"query": QUERY.replace("$after: String", "$after: String, $country: String"),
                    "variables": {"country": "FR"}},
        "pagination": {"style": "cursor", "param": "after", "size_param": "first",
                       "cursor_path": "data.guests.pageInfo.endCursor",
                       "has_next_path": "data.guests.pageInfo.hasNextPage"},
    })  # fmt: skip
    assert source.graphql is not None
    assert source.graphql.variables == {"country": "FR"}
    assert source.pagination.variable_names() == ["first", "after"]


def test_pagination_variables_must_be_declared(conf_copy: Path) -> None:
    assert _graphql(conf_copy, "{query: 'query { guests { id } }'}") == [
        f"{RATES}:14:13: source.graphql.query: does not declare $first, $after: each request "
        "sends them as variables; declare them in the operation "
        "(query Name($first: <type>, $after: <type>) { ... })"
    ]


def test_fixed_variables_must_be_declared_and_not_set_the_pagination(conf_copy: Path) -> None:
    query = "'query Q($first: Int!, $after: String) { guests { id } }'"
    assert _graphql(conf_copy, f"{{query: {query}, variables: {{country: FR}}}}") == [
        f"{RATES}:14:13: source.graphql.query: does not declare $country: each request sends "
        "it as a variable; declare it in the operation (query Name($country: <type>) { ... })"
    ]
    assert _graphql(conf_copy, f"{{query: {query}, variables: {{after: x}}}}") == [
        f"{RATES}:14:79: source.graphql.variables: sets after, which the pagination sets on "
        "each page: leave it out here"
    ]


def test_next_links_are_refused(conf_copy: Path) -> None:
    link = "{style: cursor, next_link_path: links.next}"
    assert _graphql(conf_copy, "{query: 'query { a }'}", link) == [
        f"{RATES}:15:31: source.pagination.next_link_path: a GraphQL API pages by variables, "
        "not links: use cursor_path (e.g. data.<field>.pageInfo.endCursor) with param"
    ]


def test_an_empty_query_is_refused(conf_copy: Path) -> None:
    assert _graphql(conf_copy, "{query: '  '}", "{style: none}") == [
        f"{RATES}:14:13: source.graphql.query: is empty: give the GraphQL query document"
    ]


def test_has_next_path_is_for_cursor_style(conf_copy: Path) -> None:
    page = "{style: page, param: p, has_next_path: data.more}"
    assert _graphql(conf_copy, "{query: 'query Q($p: Int) { a }'}", page) == [
        f"{RATES}:15:39: source.pagination.has_next_path: is for cursor style, not page"
    ]


def test_a_credential_in_the_variables_is_refused(conf_copy: Path) -> None:
    query = "'query Q($first: Int!, $after: String, $apiKey: String) { a }'"
    assert _graphql(conf_copy, f"{{query: {query}, variables: {{apiKey: k}}}}") == [
        f"{RATES}:14:84: source.graphql.variables: 'apiKey' carries a credential: a config "
        "never holds a credential: use {secret: <scope>/<key>} in source.auth (the API's "
        "token header), not in a variable"
    ]


def test_a_query_with_several_operations_is_refused(conf_copy: Path) -> None:
    query = "'query A($first: Int!, $after: String) { a(first: $first, after: $after) } query B { b }'"  # fmt: skip
    assert _graphql(conf_copy, f"{{query: {query}}}") == [
        f"{RATES}:14:13: source.graphql.query: holds 2 operations: each request runs one, named "
        "by nothing (this source sends no operationName): keep one (query Name(...) { ... })"
    ]


def test_a_variable_used_but_not_declared_is_refused(conf_copy: Path) -> None:
    query = "'query Q($first: Int!, $after: String) { a(first: $first, after: $after, c: $country, d: $day) }'"  # fmt: skip
    assert _graphql(conf_copy, f"{{query: {query}}}") == [
        f"{RATES}:14:13: source.graphql.query: uses $country, $day without declaring them in "
        "the operation: declare them (query Name($country: <type>, $day: <type>) { ... })"
    ]


def test_a_required_variable_nothing_sends_is_refused(conf_copy: Path) -> None:
    query = "'query Q($first: Int!, $after: String, $country: String!) { a(c: $country) }'"
    assert _graphql(conf_copy, f"{{query: {query}}}") == [
        f"{RATES}:14:13: source.graphql.query: declares $country: String! (required), which no "
        "request sends: set it in graphql.variables, give it a default ($country: String! = ...) "
        "or make it nullable"
    ]
    # sent, defaulted or nullable: valid
    head = "query Q($first: Int!, $after: String, $country: String"
    for fixed in (
        f"{{query: '{head}!) {{ a(c: $country) }}', variables: {{country: FR}}}}",
        f"{{query: '{head}! = \"FR\") {{ a(c: $country) }}'}}",
        f"{{query: '{head}) {{ a(c: $country) }}'}}",
    ):
        path = conf_copy / RATES
        text = path.read_text()
        old = "  pagination: {style: cursor, param: cursor, cursor_path: next_cursor}\n"
        path.write_text(text.replace(old, f"  graphql: {fixed}\n  pagination: {PAGING}\n"))
        loaded = load_config(conf_copy).source("room_rates").source
        assert isinstance(loaded, RestSource), fixed
        assert loaded.graphql is not None, fixed
        path.write_text(text)


def test_the_scan_reads_no_string_comment_or_field_named_query() -> None:
    document = scan(
        'query Q($x: Int! = 3, $y: [String!]!, $z: String) {\n'
        '  search(query: $y, x: $x, note: "costs $5 # not a comment") # uses $w\n'
        '  text(s: """a block $nope "quoted" """) { query }\n'
        "}"
    )  # fmt: skip
    assert document.operations == 1
    assert document.declared == {"x": "Int!", "y": "[String!]!", "z": "String"}
    assert document.defaulted == frozenset({"x"})
    assert document.used == ("y", "x")
    assert document.required() == ["y"]
    assert document.undeclared_uses() == []
    shorthand = scan("{ guests(first: $n) { id } }")
    assert (shorthand.operations, shorthand.declared, shorthand.undeclared_uses()) == (1, {}, ["n"])  # fmt: skip
