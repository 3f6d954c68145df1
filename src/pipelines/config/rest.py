"""REST APIs read through a Python data source: pagination, auth, retries, rate limit."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Model
from pipelines.config.credentials import (
    USE_SECRET,
    credential_name,
    is_credential_name,
    refuse_url_credential,
)
from pipelines.config.jdbc import LocalRun
from pipelines.config.secrets import SecretOrText, SecretRef

__all__ = ["RestAuth", "RestPagination", "RestRetry", "RestSource"]


class RestPagination(Model):
    """How to get the next page.

    ``page``: a page-number parameter; ``offset``: an offset parameter advanced by the records
    read; ``cursor``: a cursor taken from the response (``cursor_path``) or a next link
    (``next_link_path``: a full URL). Each stops at an empty page or after ``max_pages``.
    """

    style: Literal["none", "page", "offset", "cursor"] = "none"
    param: str = Field("page", description="query parameter for page number, offset or cursor")
    start: int = Field(1, ge=0, description="first page number or offset")
    size_param: str | None = Field(None, description="query parameter for the page size")
    size: int = Field(100, gt=0)
    cursor_path: str | None = Field(None, description="dotted path of the next cursor")
    next_link_path: str | None = Field(None, description="dotted path of the next page's URL")
    max_pages: int = Field(1000, gt=0, le=100_000, description="a bound, never an endless loop")

    @model_validator(mode="after")
    def _cursor_source(self) -> RestPagination:
        if self.style == "cursor" and (self.cursor_path is None) == (self.next_link_path is None):
            raise ValueError("cursor style needs cursor_path or next_link_path")
        return self


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
    records_path: str = Field("", description="dotted path of the record list ('' = the body)")
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
