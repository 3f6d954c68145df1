"""Quality rules: what valid rows satisfy and what happens to the others.

A rule in YAML (:class:`RuleConfig`) is either a SQL boolean (``expr``) or one shortcut
(``not_null``, ``unique``, ``accepted_values``, ``range``, ``regex``, ``foreign_key``,
``freshness``). Every form compiles to one :class:`QualityRule`: a name, a SQL boolean that
valid rows satisfy, an action and an optional threshold; the transforms only know that form.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Identifier, Model

__all__ = [
    "SHORTCUTS",
    "AcceptedValues",
    "Action",
    "ForeignKey",
    "Freshness",
    "QualityRule",
    "Range",
    "Reference",
    "Regex",
    "RuleConfig",
    "sql_literal",
]

Action = Literal["warn", "drop", "quarantine", "fail"]
Literal_ = str | int | float | bool
SHORTCUTS = (
    "not_null", "unique", "accepted_values", "range", "regex", "foreign_key", "freshness",
)  # fmt: skip
DATASET_LEVEL = ("unique", "freshness")
"""Shortcuts whose verdict on a row depends on other rows (a window over the dataset)."""

_UNITS = {"s": "SECONDS", "m": "MINUTES", "h": "HOURS", "d": "DAYS"}


def sql_literal(value: Literal_) -> str:
    """``value`` as a Spark SQL literal (strings quoted, backslashes and quotes escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


class AcceptedValues(Model):
    """The column holds one of ``values`` (a missing value passes: see ``not_null``)."""

    column: Identifier
    values: tuple[Literal_, ...] = Field(min_length=1)


class Range(Model):
    """``min <= column <= max``; either bound may be left out."""

    column: Identifier
    min: Literal_ | None = None
    max: Literal_ | None = None

    @model_validator(mode="after")
    def _a_bound(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self


class Regex(Model):
    """The column matches ``pattern`` (Java regular expression, ``RLIKE``: a search)."""

    column: Identifier
    pattern: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


class ForeignKey(Model):
    """The column's value exists in ``references`` (``silver.<dataset>.<column>``)."""

    column: Identifier
    references: str = Field(pattern=r"^silver\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

    @property
    def table(self) -> str:
        """The referenced table, ``silver.<dataset>``."""
        return self.references.rsplit(".", 1)[0]

    @property
    def key(self) -> str:
        """The referenced column."""
        return self.references.rsplit(".", 1)[1]


class Freshness(Model):
    """The newest value of the column is at most ``max_age`` old (``36h``, ``2d``, ``90m``)."""

    column: Identifier
    max_age: str = Field(pattern=r"^[1-9]\d*[smhd]$")

    @property
    def interval(self) -> str:
        """``max_age`` as a Spark SQL interval."""
        return f"INTERVAL {self.max_age[:-1]} {_UNITS[self.max_age[-1]]}"


class Reference(Model):
    """A lookup a rule needs: ``column`` joined to the distinct ``table.key``, as ``alias``."""

    column: Identifier
    table: str
    key: Identifier
    alias: str


class QualityRule(Model):
    """The compiled form of every rule: a SQL boolean that valid rows satisfy.

    A row whose ``expr`` is NULL counts as failing (a check that cannot be decided is not a
    pass). ``threshold_pct``: the run fails when more than this share of checked rows fail.
    """

    name: Identifier
    expr: str = Field(min_length=1)
    action: Action = "quarantine"
    threshold_pct: float | None = Field(None, ge=0, lt=100)
    layer: Literal["bronze", "silver"] = "silver"
    description: str = ""
    reference: Reference | None = None


class RuleConfig(Model):
    """One entry under ``quality:``: ``expr`` with a ``name``, or exactly one shortcut.

    ``layer: silver`` (default) checks typed rows before silver and routes failures by
    ``action``. ``layer: bronze`` observes the raw bronze table after the run: bronze keeps
    every row, so a bronze rule only warns (counts in ``ops.quality_metrics``) and fails the
    run through ``threshold_pct``.
    """

    name: Identifier | None = None
    expr: str | None = Field(None, min_length=1)
    not_null: tuple[Identifier, ...] | None = Field(None, min_length=1)
    unique: tuple[Identifier, ...] | None = Field(None, min_length=1)
    accepted_values: AcceptedValues | None = None
    range: Range | None = None
    regex: Regex | None = None
    foreign_key: ForeignKey | None = None
    freshness: Freshness | None = None
    action: Action = "quarantine"
    threshold_pct: float | None = Field(
        None, ge=0, lt=100, description="fail the run if more than this % of rows fail"
    )
    layer: Literal["bronze", "silver"] = "silver"
    description: str = ""

    @property
    def kind(self) -> str:
        """``expr`` or the shortcut's name."""
        given = [k for k in ("expr", *SHORTCUTS) if getattr(self, k) is not None]
        return given[0]

    @model_validator(mode="after")
    def _one_form(self) -> RuleConfig:
        given = [k for k in ("expr", *SHORTCUTS) if getattr(self, k) is not None]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"give exactly one of expr, {', '.join(SHORTCUTS)} (got {got})")
        if self.expr is not None and self.name is None:
            raise ValueError("a rule with expr needs a name")
        if self.freshness is not None and self.action not in ("warn", "fail"):
            raise ValueError(
                "freshness is dataset-level: its action must be warn or fail "
                "(dropping or quarantining would empty the dataset)"
            )
        if self.layer == "bronze" and self.action != "warn":
            raise ValueError(
                "a bronze rule can only warn: bronze keeps every row "
                "(set threshold_pct to fail the run)"
            )
        if self.layer == "bronze" and self.foreign_key is not None:
            raise ValueError("foreign_key is checked in silver only")
        return self

    def compile(self) -> QualityRule:
        """The rule in its one representation."""
        expr, reference = self._expr()
        return QualityRule(
            name=self.name or self._default_name(),
            expr=expr,
            action=self.action,
            threshold_pct=self.threshold_pct,
            layer=self.layer,
            description=self.description,
            reference=reference,
        )

    def _default_name(self) -> str:
        columns = self.not_null or self.unique
        if columns is not None:
            return f"{self.kind}_{'_'.join(columns)}"
        shortcut = getattr(self, self.kind)
        return f"{self.kind}_{shortcut.column}"

    def _expr(self) -> tuple[str, Reference | None]:
        if self.expr is not None:
            return self.expr, None
        if self.not_null is not None:
            return " AND ".join(f"{c} IS NOT NULL" for c in self.not_null), None
        if self.unique is not None:
            # A missing key is not a duplicate (not_null says whether it may be missing);
            # every row of a duplicated key fails: none of them is more right than the others.
            keys = ", ".join(self.unique)
            missing = " OR ".join(f"{c} IS NULL" for c in self.unique)
            return f"{missing} OR count(1) OVER (PARTITION BY {keys}) = 1", None
        if self.foreign_key is not None:
            fk = self.foreign_key
            alias = f"__fk_{self.name or self._default_name()}"
            reference = Reference(column=fk.column, table=fk.table, key=fk.key, alias=alias)
            return f"{fk.column} IS NULL OR {alias} IS NOT NULL", reference
        if self.freshness is not None:
            fresh = self.freshness
            newest = f"max({fresh.column}) OVER ()"
            return f"{newest} >= current_timestamp() - {fresh.interval}", None
        return self._value_expr(), None

    def _value_expr(self) -> str:
        if self.accepted_values is not None:
            values = ", ".join(sql_literal(v) for v in self.accepted_values.values)
            column = self.accepted_values.column
            return f"{column} IS NULL OR {column} IN ({values})"
        if self.range is not None:
            column, bounds = self.range.column, []
            if self.range.min is not None:
                bounds.append(f"{column} >= {sql_literal(self.range.min)}")
            if self.range.max is not None:
                bounds.append(f"{column} <= {sql_literal(self.range.max)}")
            return f"{column} IS NULL OR ({' AND '.join(bounds)})"
        assert self.regex is not None
        column = self.regex.column
        return f"{column} IS NULL OR {column} RLIKE {sql_literal(self.regex.pattern)}"
