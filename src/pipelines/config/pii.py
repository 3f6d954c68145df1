"""PII declarations: which columns are personal data, how bronze masks them, where keys live.

A column declares ``pii: {class: email, mask: token}``; ``project.yml`` declares where the keys
come from (``pii: {token_key: {secret: pii/token_key}}``). Keys themselves are never config:
they are resolved at run time (``pipelines.pii.keys``).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from pipelines.config.base import Model
from pipelines.config.secrets import SecretRef  # one secret reference for every config

__all__ = [
    "MASKS",
    "PII_CLASSES",
    "MaskStrategy",
    "PiiClass",
    "PiiSettings",
    "PiiSpec",
    "SecretRef",
    "required_keys",
]

PiiClass = Literal[
    "email", "phone", "name", "address", "date_of_birth", "national_id", "payment", "bank_account",
    "free_text", "ip_address", "other",
]  # fmt: skip
PII_CLASSES: tuple[str, ...] = PiiClass.__args__  # type: ignore[attr-defined]

MaskStrategy = Literal["token", "partial", "redact", "encrypt"]
MASKS: tuple[str, ...] = MaskStrategy.__args__  # type: ignore[attr-defined]

DEFAULT_KEEP_LAST = 4


class PiiSpec(Model):
    """How one column's personal data is masked in bronze (and everything derived from it).

    ``token``: keyed HMAC-SHA256 of the normalised value (joins across tables);
    ``partial``: only the last ``keep_last`` characters of the normalised value stay visible;
    ``redact``: a constant; ``encrypt``: AES-GCM with the project's encryption key.
    """

    pii_class: PiiClass = Field(alias="class", description="what kind of personal data")
    mask: MaskStrategy = "token"
    keep_last: int | None = Field(None, gt=0, le=16, description="partial: characters kept")
    description: str = ""

    @field_validator("keep_last")
    @classmethod
    def _only_for_partial(cls, value: int | None, info: ValidationInfo) -> int | None:
        mask = info.data.get("mask")
        if value is not None and mask != "partial":
            raise ValueError(f"only applies to mask: partial (this column's mask is {mask})")
        return value

    @property
    def kept(self) -> int:
        """Characters a partial mask keeps."""
        return self.keep_last or DEFAULT_KEEP_LAST


class PiiSettings(Model):
    """``project.yml`` ``pii``: where the masking keys come from (never the keys themselves)."""

    token_key: SecretRef | None = Field(None, description="HMAC key of token and hashes")
    encryption_key: SecretRef | None = Field(None, description="AES key of mask: encrypt")


def required_keys(masks: AbstractSet[str]) -> tuple[str, ...]:
    """The ``project.yml`` ``pii`` keys a source with these masks needs.

    Every PII source needs the token key (its content hash is keyed: an unkeyed hash of a row
    could be confirmed by guessing its values); ``encrypt`` also needs the encryption key.
    """
    if not masks:
        return ()
    return ("token_key", "encryption_key") if "encrypt" in masks else ("token_key",)
