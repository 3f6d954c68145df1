"""Resolve the secrets a config names: locally from the environment or a secrets file, on
Databricks from a secret scope. Values never come from, nor go into, the config tree.

Locally, ``{secret: crm/password}`` is looked up, first found wins, in

1. the environment variable ``LAKEHOUSE_SECRET_CRM_PASSWORD`` (``LAKEHOUSE_SECRET_`` + scope +
   ``_`` + key, upper case, every other character than A-Z and 0-9 as ``_``);
2. the file named by ``$LAKEHOUSE_SECRET_CRM_PASSWORD_FILE`` (container-secret style);
3. the file ``<secrets dir>/crm/password`` when the caller has a secrets folder (``lakehouse
   run`` passes ``$LAKEHOUSE_HOME/secrets``, where ``lakehouse demo`` writes its demo PII keys);
4. ``crm: {password: ...}`` in the YAML file ``$LAKEHOUSE_SECRETS_FILE`` (default
   ``~/.config/lakehouse/secrets.yml``: outside the repository, so it is never committed).

Every secret, PII keys included, goes through :func:`lookup`, so the order is the same for all.

On Databricks it is ``dbutils.secrets.get(scope="crm", key="password")``. Which of the two
applies is the platform adapter's choice (``pipelines.platform.Platform.read_secret``): every
caller passes the adapter itself, so no lookup falls back to a platform it did not name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipelines.config.secrets import SecretOrText, SecretRef
from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    # annotations only: pipelines.platform imports this module (its local lookup)
    from pipelines.platform import Platform

__all__ = [
    "Found",
    "SecretNotFound",
    "env_name",
    "local_lookup",
    "lookup",
    "resolve",
    "secrets_file",
]

_UNSAFE = re.compile(r"[^A-Z0-9]")


class SecretNotFound(LakehouseError):
    """A secret the config names is not set where it was looked for (``places``)."""

    def __init__(self, message: str, places: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.places = places


def env_name(ref: SecretRef) -> str:
    """``crm/jdbc-url`` -> ``LAKEHOUSE_SECRET_CRM_JDBC_URL``."""
    return "LAKEHOUSE_SECRET_" + _UNSAFE.sub("_", f"{ref.scope}_{ref.key}".upper())


def secrets_file(environ: Mapping[str, str] | None = None) -> Path:
    """The local secrets file (it may not exist)."""
    env = os.environ if environ is None else environ
    default = Path.home() / ".config" / "lakehouse" / "secrets.yml"
    return Path(env["LAKEHOUSE_SECRETS_FILE"]) if env.get("LAKEHOUSE_SECRETS_FILE") else default


@dataclass(frozen=True)
class Found:
    """A secret's text and where it was found (``origin`` is safe to print; the text is not)."""

    text: str = field(repr=False)
    origin: str


def resolve(
    value: SecretOrText, platform: Platform, environ: Mapping[str, str] | None = None
) -> str:
    """The text of ``value``: itself when literal, else the secret it names, read where
    ``platform`` keeps secrets.

    Raises:
        SecretNotFound: Naming the secret and every place it was looked for.
    """
    if isinstance(value, str):
        return value
    return lookup(value, platform=platform, environ=environ).text


def lookup(
    ref: SecretRef,
    *,
    platform: Platform,
    environ: Mapping[str, str] | None = None,
    secrets_dir: Path | None = None,
) -> Found:
    """Find ``ref`` where ``platform`` keeps secrets (``Platform.read_secret``).

    Raises:
        SecretNotFound: Naming the secret and every place it was looked for.
    """
    return platform.read_secret(ref, environ, secrets_dir)


def local_lookup(
    ref: SecretRef, *, environ: Mapping[str, str] | None = None, secrets_dir: Path | None = None
) -> Found:
    """Find ``ref`` in the local places the module docstring lists, in that order.

    Raises:
        SecretNotFound: Naming the secret and every place it was looked for.
    """
    env = os.environ if environ is None else environ
    variable = env_name(ref)
    if env.get(variable):
        return Found(env[variable], f"${variable}")
    places = [f"${variable}", f"${variable}_FILE"]
    if env.get(f"{variable}_FILE"):
        path = Path(env[f"{variable}_FILE"])
        if path.is_file():
            return Found(path.read_text(encoding="utf-8"), str(path))
        places[-1] += f" ({path}: no such file)"
    if secrets_dir is not None:
        path = secrets_dir / ref.scope / ref.key
        if path.is_file():
            return Found(path.read_text(encoding="utf-8"), str(path))
        places.append(str(path))
    path = secrets_file(env)
    found = _from_file(path, ref)
    if found is not None:
        return Found(found, f"key {ref.scope}.{ref.key} of {path}")
    places.append(
        f"key {ref.scope}.{ref.key} of {path}" + ("" if path.is_file() else " (no such file)")
    )
    message = f"secret '{ref.secret}' is not set: looked in {', '.join(places)}"
    raise SecretNotFound(message, tuple(places))


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
