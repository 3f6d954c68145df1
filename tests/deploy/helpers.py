"""Offline validation of bundle YAML: the official JSON schema (with the fixes its SOURCE.txt
lists) and the resource models of PyPI databricks-bundles."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO.parent / "shared" / "schemas"
SCHEMA = SCHEMAS / "databricks-bundle.schema.json"
BUNDLES = REPO / "bundles"
DATABRICKS_YML = REPO / "databricks.yml"
REFERENCE = re.compile(r"\$\{([a-z_]+)((?:\.[A-Za-z0-9_\-]+)+)\}")

__all__ = [
    "BUNDLES",
    "DATABRICKS_YML",
    "REFERENCE",
    "REPO",
    "bundle_problems",
    "load_yaml",
    "references",
]


def load_yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # SOURCE.txt fix 1: the ${...} patterns use \p{L}/\p{N}, which `re` cannot compile.
    if isinstance(instance, str) and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator() -> Any:
    if not SCHEMA.is_file():
        pytest.skip(f"the bundle JSON schema is not at {SCHEMA} (../shared/schemas is absent)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # SOURCE.txt fix 3: the root admits any key; a top-level typo must fail here.
    schema["additionalProperties"] = False
    # types-jsonschema leaves validators.extend unannotated (a stub gap)
    checker = validators.extend(Draft202012Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]
    return checker(schema)


def _interpolation_branch(error: ValidationError) -> bool:
    pattern = error.schema.get("pattern", "") if isinstance(error.schema, dict) else ""
    return "\\$\\{" in str(pattern)


def _causes(error: ValidationError) -> list[ValidationError]:
    """SOURCE.txt fix 2: every field is oneOf[real type, ${...}]; report the real type's errors."""
    real = [e for e in error.context or () if not _interpolation_branch(e)]
    if not real:
        return [error]
    return [cause for e in real for cause in _causes(e)]


def bundle_problems(document: dict[str, Any]) -> list[str]:
    """Schema errors of a bundle document as ``path: message`` (empty when valid)."""
    problems = set()
    for error in _validator().iter_errors(document):
        for cause in _causes(error):
            where = ".".join(str(p) for p in cause.absolute_path) or "<root>"
            problems.add(f"{where}: {cause.message}")
    return sorted(problems)


def references(node: Any) -> Iterator[tuple[str, str]]:
    """Every ``${namespace.path}`` in a document, as (namespace, dotted path)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)
    elif isinstance(node, str):
        for match in REFERENCE.finditer(node):
            yield match.group(1), match.group(2)[1:]
