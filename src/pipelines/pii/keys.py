"""The PII keys of a run: resolved from secrets, never from config or code, never defaulted.

A key is a secret like any other (``project.yml`` ``pii.token_key: {secret: pii/token_key}``),
found by :func:`pipelines.secrets.lookup` in the same places, in the same order: locally
``$LAKEHOUSE_SECRET_PII_TOKEN_KEY``, its ``_FILE`` variant, the file
``$LAKEHOUSE_HOME/secrets/pii/token_key`` (``lakehouse demo`` writes random demo keys there), the
secrets file; on Databricks the secret scope.
Every value is base64: the token key at least 16 bytes, the encryption key 16, 24 or 32.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config.pii import PiiSettings, SecretRef, required_keys
from pipelines.errors import LakehouseError
from pipelines.secrets import SecretNotFound, env_name, lookup  # one rule for every secret

if TYPE_CHECKING:
    from pipelines.platform import Platform

__all__ = [
    "PiiKeyError",
    "PiiKeys",
    "env_name",
    "resolve_keys",
    "resolve_source_keys",
    "write_demo_keys",
]

_AES_LENGTHS = (16, 24, 32)
_MIN_TOKEN_KEY = 16


class PiiKeyError(LakehouseError):
    """A PII key is missing or malformed (the message never holds a key)."""

    exit_code = 2


@dataclass(frozen=True)
class PiiKeys:
    """The run's keys; ``repr`` shows which are present, never their bytes."""

    token_key: bytes = field(repr=False)
    encryption_key: bytes | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"PiiKeys(token_key=<set>, encryption_key={'<set>' if self.encryption_key else None})"
        )


def resolve_keys(
    settings: PiiSettings,
    masks: AbstractSet[str],
    *,
    platform: Platform,
    secrets_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> PiiKeys | None:
    """The keys sources with these ``masks`` need (None when there is no PII), read where
    ``platform`` keeps secrets.

    Raises:
        PiiKeyError: A needed key is not declared, not found or malformed.
    """
    needed = required_keys(masks)
    if not needed:
        return None
    env = os.environ if environ is None else environ
    values: dict[str, bytes] = {}
    for name in needed:
        ref = getattr(settings, name)
        if ref is None:
            raise PiiKeyError(f"PII sources need project.yml pii.{name}; none is declared")
        text, origin = _lookup(ref, secrets_dir, platform, env)
        values[name] = _decode(ref, name, text, origin)
    return PiiKeys(values["token_key"], values.get("encryption_key"))


def resolve_source_keys(
    settings: PiiSettings,
    masks: Mapping[str, AbstractSet[str]],
    *,
    platform: Platform,
    secrets_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[PiiKeys | None, dict[str, str]]:
    """The run's keys, and each source that cannot run for want of a key -> why.

    ``masks``: each PII source's masks (entities under their own names). One source's missing
    or malformed key fails that source alone: the keys are those every other source has.
    """
    everything = set().union(*masks.values()) if masks else set()
    keys = partial(
        resolve_keys, settings, platform=platform, secrets_dir=secrets_dir, environ=environ
    )
    try:
        return keys(everything), {}
    except PiiKeyError:
        pass
    unkeyed: dict[str, str] = {}
    for name, mine in masks.items():
        try:
            keys(mine)
        except PiiKeyError as exc:
            unkeyed[name] = str(exc)
    rest = set().union(*(m for n, m in masks.items() if n not in unkeyed))
    return keys(rest), unkeyed


def _lookup(
    ref: SecretRef, secrets_dir: Path | None, platform: Platform, env: Mapping[str, str]
) -> tuple[str, str]:
    try:
        found = lookup(ref, platform=platform, environ=env, secrets_dir=secrets_dir)
    except SecretNotFound as exc:
        raise PiiKeyError(
            f"PII key '{ref.secret}' not found; looked in {', '.join(exc.places)}. Provide it "
            "there (base64), or run `lakehouse demo` to create demo keys; there is no default key."
        ) from None
    return found.text, found.origin


def _decode(ref: SecretRef, name: str, text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PiiKeyError(f"PII key '{ref.secret}' from {origin} is not base64") from None
    if name == "encryption_key" and len(key) not in _AES_LENGTHS:
        raise PiiKeyError(
            f"PII key '{ref.secret}' from {origin} must decode to 16, 24 or 32 bytes "
            f"(AES), got {len(key)}"
        )
    if name == "token_key" and len(key) < _MIN_TOKEN_KEY:
        raise PiiKeyError(
            f"PII key '{ref.secret}' from {origin} must decode to at least 16 bytes, got {len(key)}"
        )
    return key


def write_demo_keys(settings: PiiSettings, secrets_dir: Path) -> list[Path]:
    """Create random demo keys (0600) where missing; returns the files created.

    Existing files are kept, so tokens stay stable across demo runs.
    """
    created = []
    for name in ("token_key", "encryption_key"):
        ref = getattr(settings, name)
        if ref is None:
            continue
        path = secrets_dir / ref.scope / ref.key
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        created.append(path)
    return created
