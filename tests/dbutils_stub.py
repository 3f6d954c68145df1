"""A local stand-in for Databricks' ``dbutils`` (``databricks.sdk.runtime``), backed by the
project's own local secret lookup, so the Databricks platform adapter's real code runs."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from pipelines.config.secrets import SecretRef
from pipelines.secrets import local_lookup

__all__ = ["LocalSecrets", "stub_dbutils"]


class LocalSecrets:
    """``dbutils.secrets``: ``get(scope, key)`` from the local places (or ``values``)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.read: list[str] = []

    def get(self, scope: str, key: str) -> str:
        name = f"{scope}/{key}"
        self.read.append(name)
        if name in self.values:
            return self.values[name]
        return local_lookup(SecretRef(secret=name)).text


@contextmanager
def stub_dbutils(values: Mapping[str, str] | None = None) -> Iterator[LocalSecrets]:
    """Make ``from databricks.sdk.runtime import dbutils`` return the stand-in."""
    secrets = LocalSecrets(values)
    runtime = types.ModuleType("databricks.sdk.runtime")
    runtime.dbutils = types.SimpleNamespace(secrets=secrets)  # type: ignore[attr-defined]
    names = ("databricks", "databricks.sdk", "databricks.sdk.runtime")
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules["databricks"] = sys.modules.get("databricks") or types.ModuleType("databricks")
    sys.modules["databricks.sdk"] = sys.modules.get("databricks.sdk") or types.ModuleType(
        "databricks.sdk"
    )
    sys.modules["databricks.sdk.runtime"] = runtime
    try:
        yield secrets
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
