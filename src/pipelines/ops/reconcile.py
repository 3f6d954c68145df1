"""``ops.reconciliation``: every bronze row is in silver, in quarantine, or a counted drop.

Computed after a run from the tables, with the very functions silver uses
(``checked_rows``, ``latest_file_per_date``, and silver's own query: ``deduplicate``, or
``apply_changes`` for a CDC source), so the duplicate and superseded counts are what silver
dropped, not an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pipelines.config.model import SourceConfig
from pipelines.layers.silver import checked_rows, silver_specs
from pipelines.transforms import latest_file_per_date, valid_rows

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Reconciliation", "count_all", "reconcile_source"]


@dataclass(frozen=True)
class Reconciliation:
    """Counts of one source after one run.

    Attributes:
        rows_read: Bronze rows silver and quarantine read (they are recomputed from all of
            bronze each run).
        rows_bronze: Rows in ``bronze.<source>`` after the run.
        rows_silver: Rows in ``silver.<source>``.
        rows_quarantined: Rows in ``quarantine.<source>``.
        rows_duplicates: Valid rows silver folded into another row: duplicates of a key, or
            change events applied to fewer rows (CDC).
        rows_superseded: Rows of a file replaced by a newer file for the same date.
    """

    run_id: str
    dataset: str
    rows_read: int
    rows_bronze: int
    rows_silver: int
    rows_quarantined: int
    rows_duplicates: int
    rows_superseded: int

    @property
    def accounted(self) -> int:
        """Rows that ended somewhere: silver + quarantined + duplicates + superseded."""
        return (
            self.rows_silver + self.rows_quarantined + self.rows_duplicates + self.rows_superseded
        )

    @property
    def balanced(self) -> bool:
        """Whether every row read is accounted for (none lost, none invented)."""
        return self.rows_read == self.accounted

    def row(self) -> dict[str, Any]:
        """The ``ops.reconciliation`` row."""
        return {**asdict(self), "balanced": self.balanced}


def reconcile_source(spark: SparkSession, source: SourceConfig, run_id: str) -> Reconciliation:
    """Reconcile ``source``'s bronze, silver and quarantine tables as they are now."""
    bronze = spark.read.table(f"bronze.{source.name}")
    current = latest_file_per_date(bronze) if source.silver.replace_by_file_date else bronze
    valid = valid_rows(checked_rows(bronze, source))
    [silver] = [s for s in silver_specs(source) if s.name == f"silver.{source.name}"]
    kept = silver.query(spark)  # valid rows, deduplicated or applied as changes
    n = count_all(
        {
            "bronze": bronze,
            "current": current,
            "valid": valid,
            "kept": kept,
            "silver": spark.read.table(f"silver.{source.name}"),
            "quarantine": spark.read.table(f"quarantine.{source.name}"),
        }
    )
    return Reconciliation(
        run_id=run_id,
        dataset=source.name,
        rows_read=n["bronze"],
        rows_bronze=n["bronze"],
        rows_silver=n["silver"],
        rows_quarantined=n["quarantine"],
        rows_duplicates=n["valid"] - n["kept"],
        rows_superseded=n["bronze"] - n["current"],
    )


def count_all(frames: Mapping[str, DataFrame]) -> dict[str, int]:
    """The row count of every frame, in one Spark job (one round trip, not one per frame)."""
    from functools import reduce

    from pyspark.sql import functions as F

    counts = [f.select(F.lit(k).alias("k"), F.count("*").alias("n")) for k, f in frames.items()]
    return {
        row["k"]: int(row["n"]) for row in reduce(lambda a, b: a.unionByName(b), counts).collect()
    }
