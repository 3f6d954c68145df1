"""Per-run, per-rule quality counts into ``ops.quality_metrics``; thresholds fail the run.

Computed once after a run, from the tables: silver rules re-check bronze's current rows with
the same functions the silver layer uses (so dropped rows, which no table keeps, are counted
too); bronze rules check the raw bronze table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import QualityRule, SourceConfig
from pipelines.errors import LakehouseError
from pipelines.ops.tables import append_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["QualityMetric", "QualityThresholdError", "measure_rules", "record_quality"]


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
    from pipelines.layers.silver import checked_rows
    from pipelines.transforms.quality import flag_rules, rule_counts

    bronze = spark.read.table(f"bronze.{source.name}")
    metrics: list[QualityMetric] = []
    for layer in ("bronze", "silver"):
        rules = [r for r in source.rules if r.layer == layer]
        if not rules:
            continue
        checked = checked_rows(bronze, source) if layer == "silver" else flag_rules(bronze, rules)
        row = rule_counts(checked, rules).collect()[0].asDict()
        total = int(row.pop("checked_rows"))
        dataset = f"{layer}.{source.name}"
        metrics.extend(_metrics(run_id, dataset, rules, total, row))
    return metrics


def record_quality(
    spark: SparkSession, config: LakehouseConfig, run_id: str, table_format: str | None
) -> list[QualityMetric]:
    """Append this run's metrics to ``ops.quality_metrics``; fail on a breached threshold.

    Raises:
        QualityThresholdError: Naming every dataset and rule over its threshold (the metrics
            are written first).
    """
    metrics = [m for s in config.sources if s.rules for m in measure_rules(spark, s, run_id)]
    append_rows(spark, "quality_metrics", [asdict(m) for m in metrics], table_format)
    breached = [m for m in metrics if m.breached]
    if breached:
        raise QualityThresholdError(run_id, breached)
    return metrics
