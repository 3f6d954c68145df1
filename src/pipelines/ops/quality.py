"""Per-run, per-rule quality counts into ``ops.quality_metrics``; thresholds fail the run.

Computed once after a run, from the tables: silver rules re-check bronze's current rows with
the same functions the silver layer uses (so dropped rows, which no table keeps, are counted
too); bronze rules check the raw bronze table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import QualityRule, SourceConfig
from pipelines.errors import LakehouseError
from pipelines.ops.tables import append_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "QualityMetric",
    "QualityThresholdError",
    "check_thresholds",
    "measure_rules",
    "metrics_from",
    "quality_metrics",
    "record_quality",
]


@dataclass(frozen=True)
class QualityMetric:
    """One row of ``ops.quality_metrics``."""

    run_id: str
    dataset: str
    rule: str
    action: str
    failed_rows: int
    checked_rows: int
    failed_pct: float
    threshold_pct: float | None
    breached: bool

    def __str__(self) -> str:
        return (
            f"{self.dataset} rule '{self.rule}' ({self.action}): {self.failed_rows} of "
            f"{self.checked_rows} rows failed ({self.failed_pct:.2f}%), "
            f"threshold {self.threshold_pct}%"
        )


class QualityThresholdError(LakehouseError):
    """More rows failed a rule than its ``threshold_pct`` allows."""

    def __init__(self, run_id: str, breached: Sequence[QualityMetric]) -> None:
        self.breached = tuple(breached)
        lines = [f"  {metric}" for metric in breached]
        super().__init__("\n".join([f"run {run_id}: quality threshold breached:", *lines]))


def _metrics(
    run_id: str, dataset: str, rules: Sequence[QualityRule], checked: int, failed: dict[str, int]
) -> list[QualityMetric]:
    out = []
    for rule in rules:
        pct = round(100.0 * failed[rule.name] / checked, 4) if checked else 0.0
        breached = rule.threshold_pct is not None and pct > rule.threshold_pct
        out.append(
            QualityMetric(
                run_id, dataset, rule.name, rule.action, failed[rule.name], checked, pct,
                rule.threshold_pct, breached,
            )
        )  # fmt: skip
    return out


def measure_rules(spark: SparkSession, source: SourceConfig, run_id: str) -> list[QualityMetric]:
    """The counts of every rule of ``source`` over its tables as they are now."""
    from pipelines.ops.counts import source_aggregates, tally

    return metrics_from(source, run_id, tally(source_aggregates(spark, source)))


def metrics_from(
    source: SourceConfig, run_id: str, counts: Mapping[str, int]
) -> list[QualityMetric]:
    """The metrics of ``source``'s rules from the counts of ``ops.counts.source_aggregates``."""
    metrics: list[QualityMetric] = []
    for layer, checked in (("bronze", "bronze"), ("silver", "current")):
        rules = [r for r in source.rules if r.layer == layer]
        if not rules:
            continue
        failed = {r.name: counts[f"{source.name}:{layer}:{r.name}"] for r in rules}
        total = counts[f"{source.name}:{checked}"]
        metrics.extend(_metrics(run_id, f"{layer}.{source.name}", rules, total, failed))
    return metrics


def record_quality(
    spark: SparkSession,
    config: LakehouseConfig,
    run_id: str,
    table_format: str | None,
    counts: Mapping[str, int] | None = None,
) -> list[QualityMetric]:
    """Append this run's metrics to ``ops.quality_metrics``; fail on a breached threshold.

    ``counts``: the run's counts (``ops.counts.count_run``), when already taken.

    Raises:
        QualityThresholdError: Naming every dataset and rule over its threshold (the metrics
            are written first).
    """
    metrics = quality_metrics(spark, config, run_id, counts)
    append_rows(spark, "quality_metrics", [asdict(m) for m in metrics], table_format)
    check_thresholds(run_id, metrics)
    return metrics


def quality_metrics(
    spark: SparkSession,
    config: LakehouseConfig,
    run_id: str,
    counts: Mapping[str, int] | None = None,
) -> list[QualityMetric]:
    """The metrics of every rule of the run (measured now, unless ``counts`` has them)."""

    def measured(source: SourceConfig) -> list[QualityMetric]:
        if counts is None:
            return measure_rules(spark, source, run_id)
        return metrics_from(source, run_id, counts)

    return [m for s in config.sources if s.rules for m in measured(s)]


def check_thresholds(run_id: str, metrics: Sequence[QualityMetric]) -> None:
    """Raise if a rule's failed rows went over its ``threshold_pct``.

    Raises:
        QualityThresholdError: Naming every dataset and rule over its threshold.
    """
    breached = [m for m in metrics if m.breached]
    if breached:
        raise QualityThresholdError(run_id, breached)
