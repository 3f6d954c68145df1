"""A source draft: the start of a source config, before its columns are known.

``lakehouse new-source NAME --from DRAFT.yml`` reads one: the ``source:`` block of a database
table, a collection or an API (how to reach it, secrets by name), and optionally the header
keys of the config it becomes. It samples the source and writes the config with the columns
it found (``pipelines.sources.scaffold_system``).
"""

from __future__ import annotations

from pydantic import Field

from pipelines.config.base import Identifier, Model
from pipelines.config.sources import Source

__all__ = ["SourceDraft"]


class SourceDraft(Model):
    """What a draft may hold: the keys a source config starts with, no columns yet."""

    name: Identifier | None = Field(None, description="the source's name (the command's NAME)")
    description: str | None = Field(None, min_length=1)
    owner: Identifier | None = Field(None, description="the owning group (default: --owner)")
    domain: Identifier | None = None
    tags: tuple[str, ...] = ()
    source: Source
