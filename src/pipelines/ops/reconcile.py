"""``ops.reconciliation``: every bronze row is in silver, in quarantine, or a counted drop.

Computed after a run from the tables, with the very functions silver uses
(``checked_rows``, ``latest_file_per_date``, ``deduplicate``), so the duplicate and superseded
counts are what silver dropped, not an estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pipelines.config.model import SourceConfig
from pipelines.layers.silver import checked_rows
from pipelines.transforms import deduplicate, latest_file_per_date, valid_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Reconciliation", "reconcile_source"]


@dataclass(frozen=True)
class Reconciliation:
    """Counts of one source after one run.

    Attributes:
        rows_read: Bronze rows silver and quarantine read (they are recomputed from all of
            bronze each run).
        rows_bronze: Rows in ``bronze.<source>`` after the run.
        rows_silver: Rows in ``silver.<source>``.
        rows_quarantined: Rows in ``quarantine.<source>``.
        rows_duplicates: Valid rows dropped as duplicates of another row (same key).
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
    rows_bronze = bronze.count()
    current = latest_file_per_date(bronze) if source.silver.replace_by_file_date else bronze
    superseded = rows_bronze - current.count()
    valid = valid_rows(checked_rows(bronze, source))
    dedupe = source.silver.dedupe
    duplicates = 0
    if dedupe is not None:
        duplicates = valid.count() - deduplicate(valid, dedupe.key, dedupe.keep).count()
    return Reconciliation(
        run_id=run_id,
        dataset=source.name,
        rows_read=rows_bronze,
        rows_bronze=rows_bronze,
        rows_silver=spark.read.table(f"silver.{source.name}").count(),
        rows_quarantined=spark.read.table(f"quarantine.{source.name}").count(),
        rows_duplicates=duplicates,
        rows_superseded=superseded,
    )
