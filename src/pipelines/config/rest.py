"""REST APIs read through a Python data source: pagination, auth, retries, rate limit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config._graphql import scan
from pipelines.config.base import Model
from pipelines.config.credentials import (
    USE_SECRET,
    credential_name,
    is_credential_name,
    refuse_url_credential,
)
from pipelines.config.jdbc import LocalRun
from pipelines.config.record_fields import RecordFields, fields_problem
from pipelines.config.secrets import SecretOrText, SecretRef

__all__ = ["RestAuth", "RestGraphql", "RestPagination", "RestRetry", "RestSource"]


class RestPagination(Model):
    """How to get the next page.

    ``page``: a page-number parameter; ``offset``: an offset parameter advanced by the records
    read; ``cursor``: a cursor taken from the response (``cursor_path``) or a next link
    (``next_link_path``: a full URL). Each stops at an empty page or after ``max_pages``; a
    cursor walk also where ``has_next_path`` (a relay ``pageInfo.hasNextPage``) is false.
    """

    style: Literal["none", "page", "offset", "cursor"] = "none"
    param: str = Field("page", description="query parameter for page number, offset or cursor")
    start: int = Field(1, ge=0, description="first page number or offset")
    size_param: str | None = Field(None, description="query parameter for the page size")
    size: int = Field(100, gt=0)
    cursor_path: str | None = Field(None, description="dotted path of the next cursor")
    next_link_path: str | None = Field(None, description="dotted path of the next page's URL")
    has_next_path: str | None = Field(
        None, description="dotted path of a boolean: false stops a cursor walk (hasNextPage)"
    )
    max_pages: int = Field(1000, gt=0, le=100_000, description="a bound, never an endless loop")

    @model_validator(mode="after")
    def _cursor_source(self) -> RestPagination:
        if self.style == "cursor" and (self.cursor_path is None) == (self.next_link_path is None):
            raise ValueError("cursor style needs cursor_path or next_link_path")
        if self.has_next_path is not None and self.style != "cursor":
            raise ValueError(f"has_next_path: is for cursor style, not {self.style}")
        return self

    def variable_names(self) -> list[str]:
        """The parameters each page sets (sent as GraphQL variables with a ``graphql`` block)."""
        names = [self.size_param] if self.size_param else []
        return names + ([self.param] if self.style != "none" else [])


JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


class RestGraphql(Model):
    """A GraphQL API: each page is a POST of ``{"query": ..., "variables": {...}}``.

    The pagination parameters (``param``, ``size_param``) become variables, typed (numbers
    stay numbers: ``$first: Int!`` refuses "100"). A response with ``errors`` fails the read.
    """

    query: str = Field(description="the query document, with its variables")
    variables: dict[str, JsonValue] = Field(
        default_factory=dict, description="fixed variables, sent with every page"
    )

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty: give the GraphQL query document")
        return value

    @field_validator("variables")
    @classmethod
    def _no_credential_variables(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        # a variable is config text like a query parameter: a key in it would be committed
        found = credential_name(list(value))
        if found:
            raise ValueError(
                f"'{found}' carries a credential: {USE_SECRET} in source.auth (the API's token "
                "header), not in a variable"
            )
        return value

    def undeclared(self, names: list[str]) -> list[str]:
        """Those of ``names`` the query neither declares nor uses as ``$name`` (in order; one
        used but not declared is ``problem``'s)."""
        document = scan(self.query)
        return [n for n in names if n not in document.declared and n not in document.used]

    def problem(self, sent: list[str]) -> str | None:
        """What fails every request of a query sent with the variables ``sent``, if anything:
        several operations, a variable used but not declared, a required one not sent."""
        document = scan(self.query)
        if document.operations != 1:
            held = f"holds {document.operations} operations" if document.operations else "holds no operation"  # fmt: skip # noqa: E501
            return (
                f"graphql.query: {held}: each request runs one, named by nothing (this source "
                "sends no operationName): keep one (query Name(...) { ... })"
            )
        undeclared = document.undeclared_uses()
        if undeclared:
            names, example = _variables(undeclared)
            it = "it" if len(undeclared) == 1 else "them"
            return (
                f"graphql.query: uses {names} without declaring {it} in the operation: "
                f"declare {it} (query Name({example}) {{ ... }})"
            )
        unsent = [n for n in document.required() if n not in sent]
        if unsent:
            name = unsent[0]
            return (
                f"graphql.query: declares ${name}: {document.declared[name]} (required), which "
                f"no request sends: set it in graphql.variables, give it a default "
                f"(${name}: {document.declared[name]} = ...) or make it nullable"
            )
        return None


def _variables(names: list[str]) -> tuple[str, str]:
    """``$a, $b`` and ``$a: <type>, $b: <type>``."""
    return ", ".join(f"${n}" for n in names), ", ".join(f"${n}: <type>" for n in names)


class RestAuth(Model):
    """A header carrying a secret: ``Authorization: Bearer <token>``."""

    header: str = "Authorization"
    value: SecretRef
    scheme: str = Field("Bearer", description="word before the secret, then a space ('' for none)")


class RestRetry(Model):
    """Retries on 429 and 5xx with exponential backoff (``Retry-After`` wins when given)."""

    max_attempts: int = Field(5, ge=1, le=20)
    backoff_seconds: float = Field(1.0, ge=0, le=60)
    max_backoff_seconds: float = Field(60.0, ge=0, le=600)


class RestSource(Model):
    """JSON records from an HTTP API, kept raw in bronze (declared fields as text + the JSON)."""

    type: Literal["rest"]
    url: SecretOrText = Field(description="the endpoint (http or https), or a secret holding it")
    params: dict[str, str | int | bool] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    auth: RestAuth | None = None
    graphql: RestGraphql | None = Field(
        None, description="a GraphQL API: POST the query, pagination parameters as variables"
    )
    records_path: str = Field(
        "",
        description="dotted path of the record list ('' = the body); a path crossing a list "
        "takes the rest in each element (edges.node)",
    )
    fields: RecordFields
    pagination: RestPagination = RestPagination()
    retry: RestRetry = RestRetry()
    rate_limit_per_second: float | None = Field(None, gt=0, le=1000)
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    mode: Literal["snapshot", "stream"] = Field(
        "snapshot",
        description="snapshot: each run reads every page afresh; stream: only the records "
        "added since the last run (offset: page request + records consumed, checkpointed)",
    )
    local_run: LocalRun = "required"

    def column_problem(self, types: dict[str, str]) -> str | None:
        """What is wrong with ``fields`` given the declared columns, if anything."""
        return fields_problem(self.fields, types)

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretOrText) -> SecretOrText:
        if isinstance(value, str) and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("url")
    @classmethod
    def _no_credential_in_url(cls, value: SecretOrText) -> SecretOrText:
        refuse_url_credential(value, ", in source.auth or for the URL")
        return value

    @field_validator("headers")
    @classmethod
    def _no_credentials(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if is_credential_name(name):
                raise ValueError(
                    f"'{name}' carries a credential: {USE_SECRET} in source.auth "
                    f"({{header: {name}, scheme: '', value: {{secret: <scope>/<key>}}}})"
                )
        return value

    @field_validator("params")
    @classmethod
    def _no_credential_params(
        cls, value: dict[str, str | int | bool]
    ) -> dict[str, str | int | bool]:
        found = credential_name(list(value))
        if found:
            raise ValueError(
                f"'{found}' carries a credential: {USE_SECRET} in source.auth, or keep the "
                "whole URL in a secret"
            )
        return value

    @model_validator(mode="after")
    def _graphql_variables(self) -> RestSource:
        if self.graphql is None:
            return self
        paging = self.pagination
        if paging.next_link_path is not None:
            raise ValueError(
                "pagination.next_link_path: a GraphQL API pages by variables, not links: use "
                "cursor_path (e.g. data.<field>.pageInfo.endCursor) with param"
            )
        both = sorted(set(paging.variable_names()) & set(self.graphql.variables))
        if both:
            raise ValueError(
                f"graphql.variables: sets {', '.join(both)}, which the pagination sets on each "
                "page: leave it out here"
            )
        sent = paging.variable_names() + list(self.graphql.variables)
        missing = self.graphql.undeclared(sent)
        if missing:
            names = ", ".join(f"${n}" for n in missing)
            it, sends = ("it", "a variable") if len(missing) == 1 else ("them", "variables")
            example = ", ".join(f"${n}: <type>" for n in missing)
            raise ValueError(
                f"graphql.query: does not declare {names}: each request sends {it} as {sends}; "
                f"declare {it} in the operation (query Name({example}) {{ ... }})"
            )
        problem = self.graphql.problem(sent)
        if problem:
            raise ValueError(problem)
        return self
