"""Helpers shared by the lakehouse checkov policies.

Checkov hands a resource's configuration to a check as a dict whose values are wrapped in
lists (HCL scans and terraform_plan scans alike); these helpers unwrap them. A value that is
still an unresolved Terraform expression (``${...}``, ``var.x``, ``each.value``) is reported
as unknown so the check returns UNKNOWN instead of guessing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

# Principal that scripts/infra renders for the pipelines service principal when it evaluates
# the grant model offline (its real application ID only exists after `terraform apply`).
PIPELINE_PRINCIPAL_PLACEHOLDER = "lakehouse-pipelines-service-principal"

# Extra principals accepted as "the pipelines principal" (comma separated), e.g. the real
# application IDs when the policies run on `terraform show -json` of a real plan.
PIPELINE_PRINCIPALS_ENV = "LAKEHOUSE_PIPELINE_PRINCIPALS"

PII_SCHEMA = "bronze_pii"
PII_READER_GROUP = "pii_readers"
BI_READER_GROUP = "bi_readers"
BI_SCHEMAS = frozenset({"gold"})
BI_CATALOG_PRIVILEGES = frozenset({"USE_CATALOG", "BROWSE"})

# Securable attributes of databricks_grants / databricks_grant below the catalog level, whose
# value is <catalog>.<schema>[.<object>].
SCHEMA_LEVEL_SECURABLES = (
    "schema",
    "table",
    "view",
    "materialized_view",
    "volume",
    "function",
    "model",
)

_UNRESOLVED = re.compile(r"\$\{|^(var|local|module|each|data|grant)\.")


class UnresolvedError(Exception):
    """Raised when a value is still an unresolved expression."""


def unwrap(value: Any) -> Any:
    """Strip checkov's single-element list wrapping."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def is_unresolved(value: Any) -> bool:
    return isinstance(value, str) and bool(_UNRESOLVED.search(value))


def strings(value: Any) -> list[str]:
    """Flatten a (possibly nested) list of strings; raise UnresolvedError for expressions."""
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(strings(item))
        return out
    if is_unresolved(value) or not isinstance(value, str):
        raise UnresolvedError(repr(value))
    return [value]


def grants(conf: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Yield (principal, privileges) of a databricks_grants or databricks_grant resource."""
    if "grant" in conf:
        blocks = conf["grant"]
        if not isinstance(blocks, list):
            blocks = [blocks]
        for raw in blocks:
            block = unwrap(raw)
            if not isinstance(block, dict):
                raise UnresolvedError(repr(block))
            principal = unwrap(block.get("principal"))
            if principal is None or is_unresolved(principal):
                raise UnresolvedError(repr(principal))
            yield str(principal), strings(block.get("privileges", []))
    elif "principal" in conf:  # databricks_grant (singular)
        principal = unwrap(conf["principal"])
        if is_unresolved(principal):
            raise UnresolvedError(repr(principal))
        yield str(principal), strings(conf.get("privileges", []))
    elif "dynamic" in conf:
        # grant blocks built by a dynamic block over values checkov cannot evaluate
        # (jsondecode(file(...))): the rendered grant plan covers them.
        raise UnresolvedError("dynamic grant blocks")


def securable(conf: dict[str, Any]) -> tuple[str, str] | None:
    """Return (kind, name) of the securable of a grants resource, or None if not found."""
    for kind in (
        "catalog",
        "metastore",
        *SCHEMA_LEVEL_SECURABLES,
        "external_location",
        "storage_credential",
        "credential",
        "share",
        "foreign_connection",
    ):
        if kind in conf:
            name = unwrap(conf[kind])
            if is_unresolved(name) or not isinstance(name, str):
                raise UnresolvedError(repr(name))
            return kind, name
    return None


def schema_of(kind: str, name: str) -> str | None:
    """Schema part of a schema-level securable name (<catalog>.<schema>[.<object>])."""
    if kind not in SCHEMA_LEVEL_SECURABLES:
        return None
    parts = name.split(".")
    return parts[1] if len(parts) >= 2 else None


def pipeline_principals() -> frozenset[str]:
    extra = os.environ.get(PIPELINE_PRINCIPALS_ENV, "")
    return frozenset(
        {PIPELINE_PRINCIPAL_PLACEHOLDER, *(p.strip() for p in extra.split(",") if p.strip())}
    )
