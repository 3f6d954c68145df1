"""Change data capture: silver applies a feed of change events instead of keeping rows.

The same settings drive ``dp.create_auto_cdc_flow`` on Databricks and the local materialized
view that reproduces its output contract (``pipelines.transforms.cdc``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from pipelines.config.base import Identifier, Model
from pipelines.config.suggest import did_you_mean

__all__ = ["Cdc", "cdc_problem", "unknown_columns"]


class Cdc(Model):
    """How change events become the silver table (AUTO CDC semantics)."""

    keys: tuple[Identifier, ...] = Field(min_length=1, description="identify a row")
    sequence_by: Identifier = Field(description="orders the events of a key; highest wins")
    delete_when: str | None = Field(
        None, min_length=1, description="SQL boolean: the event deletes its key"
    )
    scd_type: Literal[1, 2] = 1
    track_history: tuple[Identifier, ...] | None = Field(
        None, description="SCD2: changes of these open a new version; others update in place"
    )
    ignore_null_updates: bool = Field(
        False, description="a null in an update keeps the current value"
    )
    exclude_columns: tuple[Identifier, ...] = Field(
        (), description="feed columns not stored in silver (e.g. the operation column)"
    )

    def stored_columns(self, declared: Sequence[str]) -> list[str]:
        """The declared columns silver keeps."""
        return [c for c in declared if c not in self.exclude_columns]

    def tracked_columns(self, declared: Sequence[str]) -> list[str]:
        """SCD2: the columns whose change opens a new version (default: every stored value)."""
        if self.track_history is not None:
            return list(self.track_history)
        skip = {*self.keys, self.sequence_by}
        return [c for c in self.stored_columns(declared) if c not in skip]


def unknown_columns(key: str, names: Sequence[str], declared: Sequence[str]) -> str | None:
    """``key: names unknown columns: x (did you mean 'y'?)`` or None when all are declared."""
    unknown = [n for n in names if n not in declared]
    if not unknown:
        return None
    hint = did_you_mean(unknown[0], declared) if len(unknown) == 1 else ""
    return (
        f"{key}: names unknown columns: {', '.join(unknown)}{hint}"
        f" (declared: {', '.join(declared)})"
    )


def cdc_problem(cdc: Cdc, declared: Sequence[str]) -> str | None:
    """The first inconsistency between ``cdc`` and the declared columns, key path first."""
    checks = (
        unknown_columns("silver.cdc.keys", cdc.keys, declared),
        unknown_columns("silver.cdc.sequence_by", (cdc.sequence_by,), declared),
        unknown_columns("silver.cdc.track_history", cdc.track_history or (), declared),
        unknown_columns("silver.cdc.exclude_columns", cdc.exclude_columns, declared),
    )
    for problem in checks:
        if problem:
            return problem
    if cdc.track_history is not None and cdc.scd_type != 2:
        return "silver.cdc.track_history: only with scd_type: 2"
    if cdc.sequence_by in cdc.keys:
        return "silver.cdc.sequence_by: must not be one of the keys"
    kept = {*cdc.keys, cdc.sequence_by} & set(cdc.exclude_columns)
    if kept:
        return f"silver.cdc.exclude_columns: keys and sequence_by stay in silver: {', '.join(sorted(kept))}"  # noqa: E501
    tracked_keys = set(cdc.keys) & set(cdc.track_history or ())
    if tracked_keys:
        return f"silver.cdc.track_history: keys are not tracked: {', '.join(sorted(tracked_keys))}"
    return None
