"""Quality rules: a SQL boolean per rule and what happens to the rows that break it.

A rule whose expression is NULL for a row counts as broken: a check that cannot be decided
is not a pass. Each rule's verdict is first computed into a helper column (``__rule_<name>``),
so a rule may use a window over the dataset (``unique``, ``freshness``): Spark allows windows
in a projection, not in a filter.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.model import QualityRule
from pipelines.config.quality import Reference
from pipelines.transforms.conform import reasons_column

__all__ = [
    "apply_rules",
    "flag_column",
    "flag_rules",
    "is_valid",
    "quarantined_rows",
    "rule_counts",
    "valid_rows",
    "with_reference",
]


def flag_column(rule: QualityRule) -> str:
    """The helper column that is true where ``rule`` is broken."""
    return f"__rule_{rule.name}"


def flag_rules(df: DataFrame, rules: Sequence[QualityRule]) -> DataFrame:
    """Add one boolean column per rule: true where the row breaks it."""
    if not rules:
        return df
    broken = {
        flag_column(r): ~F.coalesce(F.expr(r.expr).cast("boolean"), F.lit(False)) for r in rules
    }
    return df.withColumns(broken)


def with_reference(df: DataFrame, reference: Reference, keys: DataFrame) -> DataFrame:
    """Left-join the distinct values of ``keys[reference.key]`` as ``reference.alias``.

    The alias is NULL where ``df[reference.column]`` has no match: a foreign-key rule checks
    that. (Distinct values, so the join never multiplies rows; by a grouping: ``distinct()``
    makes Spark Connect analyse the plan eagerly, which fails inside a pipeline.)
    """
    alias = reference.alias
    values = keys.select(F.col(reference.key).alias(alias)).groupBy(alias).count().select(alias)
    return df.join(values, F.col(reference.column) == F.col(reference.alias), "left")


def _labels(rules: Sequence[QualityRule], action: str) -> Column:
    checks = [(F.col(flag_column(r)), f"rule:{r.name}") for r in rules if r.action == action]
    return reasons_column(checks)


def apply_rules(df: DataFrame, rules: Sequence[QualityRule]) -> DataFrame:
    """Evaluate ``rules`` on a conformed frame (which carries ``_reasons``).

    ``quarantine`` rules add to ``_reasons``; ``drop`` rules fill ``_dropped_by``; ``warn``
    rules fill ``_warnings`` (kept in silver); a broken ``fail`` rule aborts the flow with the
    rule's name in the error.
    """
    out = flag_rules(df, rules).withColumns(
        {
            "_reasons": F.concat(F.col("_reasons"), _labels(rules, "quarantine")),
            "_dropped_by": _labels(rules, "drop"),
            "_warnings": _labels(rules, "warn"),
        }
    )
    for rule in (r for r in rules if r.action == "fail"):
        message = f"quality rule '{rule.name}' failed (action: fail): {rule.expr}"
        guard = F.when(F.col(flag_column(rule)), F.raise_error(F.lit(message)))
        out = out.where(guard.isNull())
    return out


def is_valid() -> Column:
    """True for a checked row with no quarantine reason that no rule dropped."""
    return (F.size("_reasons") == 0) & (F.size("_dropped_by") == 0)


def valid_rows(df: DataFrame) -> DataFrame:
    """Rows with no quarantine reason and not dropped by a rule."""
    return df.where(is_valid())


def quarantined_rows(df: DataFrame) -> DataFrame:
    """Rows with at least one quarantine reason; ``_reasons`` then lists every rule broken.

    (A quarantined row that also broke ``drop`` or ``warn`` rules names those too.)
    """
    every = F.concat(F.col("_reasons"), F.col("_dropped_by"), F.col("_warnings"))
    return df.where(F.size("_reasons") > 0).withColumn("_reasons", every)


def rule_counts(df: DataFrame, rules: Sequence[QualityRule]) -> DataFrame:
    """One row: ``checked_rows`` and, per rule, the number of rows that broke it.

    ``df`` carries the flag columns (``flag_rules``); the rule's name is the column name.
    """
    failed = [F.count_if(F.col(flag_column(r))).alias(r.name) for r in rules]
    return df.agg(F.count(F.lit(1)).alias("checked_rows"), *failed)
