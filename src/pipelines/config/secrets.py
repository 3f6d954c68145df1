"""References to secrets: a config names a secret, it never holds one.

``{secret: crm/password}`` is scope ``crm``, key ``password``: a Databricks secret scope and key
on Databricks; locally an environment variable or a secrets file (``pipelines.secrets``).
"""

from __future__ import annotations

from pydantic import Field

from pipelines.config.base import Model

__all__ = ["SecretOrText", "SecretRef", "secret_refs"]


class SecretRef(Model):
    """A secret by name: ``{secret: <scope>/<key>}``."""

    secret: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="<scope>/<key>: a secret scope and key (Databricks) or their local stand-in",
    )

    @property
    def scope(self) -> str:
        """The secret scope."""
        return self.secret.split("/", 1)[0]

    @property
    def key(self) -> str:
        """The key inside the scope."""
        return self.secret.split("/", 1)[1]


SecretOrText = str | SecretRef
"""A value given literally or, where it differs per environment or is sensitive, as a secret."""


def secret_refs(model: Model) -> list[SecretRef]:
    """Every secret a model names, in field order (nested models included)."""
    found: list[SecretRef] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretRef):
            found.append(value)
        elif isinstance(value, Model):
            found.extend(secret_refs(value))
        elif isinstance(value, dict):  # reader options may name secrets too
            found.extend(v for v in value.values() if isinstance(v, SecretRef))
    return found
