"""Resolve the secrets a config names: locally from the environment or a secrets file, on
Databricks from a secret scope. Values never come from, nor go into, the config tree.

Locally, ``{secret: crm/password}`` is looked up as

1. the environment variable ``LAKEHOUSE_SECRET_CRM_PASSWORD`` (``LAKEHOUSE_SECRET_`` + scope +
   ``_`` + key, upper case, every other character than A-Z and 0-9 as ``_``), then
2. ``crm: {password: ...}`` in the YAML file ``$LAKEHOUSE_SECRETS_FILE`` (default
   ``~/.config/lakehouse/secrets.yml``: outside the repository, so it is never committed).

On Databricks it is ``dbutils.secrets.get(scope="crm", key="password")``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pipelines.config.secrets import SecretOrText, SecretRef
from pipelines.errors import LakehouseError

__all__ = ["SecretNotFound", "env_name", "resolve", "secrets_file"]

_UNSAFE = re.compile(r"[^A-Z0-9]")


class SecretNotFound(LakehouseError):
    """A secret the config names is not set where it was looked for."""


def env_name(ref: SecretRef) -> str:
    """``crm/jdbc-url`` -> ``LAKEHOUSE_SECRET_CRM_JDBC_URL``."""
    return "LAKEHOUSE_SECRET_" + _UNSAFE.sub("_", f"{ref.scope}_{ref.key}".upper())


def secrets_file(environ: Mapping[str, str] | None = None) -> Path:
    """The local secrets file (it may not exist)."""
    env = os.environ if environ is None else environ
    default = Path.home() / ".config" / "lakehouse" / "secrets.yml"
    return Path(env["LAKEHOUSE_SECRETS_FILE"]) if env.get("LAKEHOUSE_SECRETS_FILE") else default


def resolve(
    value: SecretOrText, platform: str = "local", environ: Mapping[str, str] | None = None
) -> str:
    """The text of ``value``: itself when literal, else the secret it names.

    Raises:
        SecretNotFound: Naming the secret and every place it was looked for.
    """
    if isinstance(value, str):
        return value
    if platform == "databricks":
        return _from_scope(value)
    env = os.environ if environ is None else environ
    variable = env_name(value)
    if env.get(variable):
        return env[variable]
    path = secrets_file(env)
    found = _from_file(path, value)
    if found is not None:
        return found
    state = "" if path.is_file() else " (no such file)"
    raise SecretNotFound(
        f"secret '{value.secret}' is not set: looked for environment variable {variable} "
        f"and key {value.scope}.{value.key} in {path}{state}"
    )


def _from_file(path: Path, ref: SecretRef) -> str | None:
    if not path.is_file():
        return None
    try:
        data: Any = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SecretNotFound(f"secrets file {path} is not valid YAML: {exc}") from None
    scope = data.get(ref.scope) if isinstance(data, dict) else None
    value = scope.get(ref.key) if isinstance(scope, dict) else None
    return None if value is None else str(value)


def _from_scope(ref: SecretRef) -> str:  # pragma: no cover - Databricks only
    try:
        from databricks.sdk.runtime import dbutils  # type: ignore[import-not-found,import-untyped,unused-ignore]

        return str(dbutils.secrets.get(scope=ref.scope, key=ref.key))
    except Exception as exc:
        raise SecretNotFound(
            f"secret '{ref.secret}' is not readable: dbutils.secrets.get(scope='{ref.scope}', "
            f"key='{ref.key}') failed: {exc}"
        ) from None
