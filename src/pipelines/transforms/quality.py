"""Quality rules: a SQL boolean per rule and what happens to the rows that break it.

A rule whose expression is NULL for a row counts as broken: a check that cannot be decided
is not a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from pipelines.config.model import QualityRule
from pipelines.transforms.conform import reasons_column

__all__ = ["apply_rules", "quarantined_rows", "valid_rows"]


def _broken(rule: QualityRule) -> Column:
    return ~F.coalesce(F.expr(rule.expr).cast("boolean"), F.lit(False))


def _labels(rules: Sequence[QualityRule], action: str) -> Column:
    return reasons_column([(_broken(r), f"rule:{r.name}") for r in rules if r.action == action])


def apply_rules(df: DataFrame, rules: Sequence[QualityRule]) -> DataFrame:
    """Evaluate ``rules`` on a conformed frame.

    ``quarantine`` rules add to ``_reasons``; ``drop`` rules fill ``_dropped_by``; ``warn``
    rules fill ``_warnings`` (kept in silver); a broken ``fail`` rule aborts the flow with the
    rule's name in the error.
    """
    reasons = F.concat(F.col("_reasons"), _labels(rules, "quarantine"))
    out = df.withColumns(
        {
            "_reasons": reasons,
            "_dropped_by": _labels(rules, "drop"),
            "_warnings": _labels(rules, "warn"),
        }
    )
    for rule in (r for r in rules if r.action == "fail"):
        message = f"quality rule '{rule.name}' failed (action: fail): {rule.expr}"
        guard = F.when(_broken(rule), F.raise_error(F.lit(message)))
        out = out.where(guard.isNull())
    return out


def valid_rows(df: DataFrame) -> DataFrame:
    """Rows with no quarantine reason and not dropped by a rule."""
    return df.where((F.size("_reasons") == 0) & (F.size("_dropped_by") == 0))


def quarantined_rows(df: DataFrame) -> DataFrame:
    """Rows with at least one quarantine reason."""
    return df.where(F.size("_reasons") > 0)
