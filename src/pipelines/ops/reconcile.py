"""``ops.reconciliation``: every bronze row is in silver, in quarantine, or a counted drop.

Computed after a run from the tables, with the very functions silver uses (``checked_rows``,
which keeps the newest file per date and checks every row), so the duplicate and superseded
counts are what silver dropped, not an estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pipelines.config.model import SourceConfig
from pipelines.ops.file_records import FileCounts
from pipelines.sources.types import source_type

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Reconciliation", "count_all", "reconcilable", "reconcile_source"]


@dataclass(frozen=True)
class Reconciliation:
    """Counts of one source after one run.

    Attributes:
        rows_read: Records read: counted in the ingested files apart from the parse where the
            source type can (CSV, quote-aware), else the bronze rows silver and quarantine
            read (they are recomputed from all of bronze each run).
        rows_bronze: Rows in ``bronze.<source>`` after the run.
        rows_silver: Rows in ``silver.<source>``.
        rows_quarantined: Rows in ``quarantine.<source>``.
        rows_duplicates: Valid rows silver folded into another row: duplicates of a key, or
            change events applied to fewer rows (CDC). After a run that refreshed silver from
            its new rows (``pipelines.local.increments``), the valid rows less the rows silver
            should hold, counted apart from silver (its rows before plus the keys the new rows
            brought), so a merge that lost or doubled a row does not balance; after the
            engine recomputed silver (the reference), the valid rows less silver's rows.
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


_LAYERS = ("bronze", "bronze_pii", "silver", "quarantine")


def reconcilable(
    sources: Sequence[SourceConfig], flows: Sequence[Mapping[str, Any]]
) -> tuple[list[SourceConfig], dict[str, str]]:
    """The sources of a run that did not complete whose tables all did (they reconcile as
    after a completed run), and why each other source does not: its first dataset that did
    not complete (``flows``: the run's ``ops.flow_metrics`` rows).

    A failed dataset stops only what reads it, so the other sources of a failed run end
    their tables as a completed run would: their rows balance (or not) all the same.
    """
    status = {row["dataset"]: row["status"] for row in flows}
    complete, incomplete = [], {}
    for source in sources:
        mine = [f"{layer}.{source.name}" for layer in _LAYERS if f"{layer}.{source.name}" in status]
        unfinished = [name for name in mine if status[name] != "COMPLETED"]
        if mine and not unfinished:
            complete.append(source)
        elif unfinished:
            name = unfinished[0]
            incomplete[source.name] = f"{name} {status[name].lower()}"
        else:
            incomplete[source.name] = "none of its tables ran"
    return complete, incomplete


def reconcile_source(
    spark: SparkSession,
    source: SourceConfig,
    run_id: str,
    counts: Mapping[str, int] | None = None,
    files: FileCounts | None = None,
) -> Reconciliation:
    """Reconcile ``source``'s bronze, silver and quarantine tables as they are now.

    ``counts``: the run's counts (``ops.counts.count_run``), when already taken; ``files``:
    the delivered files' record counts (``ops.file_records``; the caller records the ones
    counted now). Silver's rows are counted in the table; what it should hold, where an
    increment counted it (``<source>:keys``), apart: see ``rows_duplicates``.
    """
    tables = {layer: f"{layer}.{source.name}" for layer in ("bronze", "silver", "quarantine")}
    n = counts if counts is not None else _count(spark, source, tables.values())
    current, valid = n[f"{source.name}:current"], n[f"{source.name}:valid"]
    bronze, silver = n[tables["bronze"]], n[tables["silver"]]
    # What silver should hold: an increment's count; silver's own where the engine recomputed it.
    held = n.get(f"{source.name}:keys", silver)
    # Records counted apart from the parse where the source type can (CSV, quote-aware): a
    # mis-parse (a multi-line record split into rows) is then a difference, not a balance.
    known = files if files is not None else FileCounts(spark)
    records = source_type(source).records_read(spark, source, known)
    return Reconciliation(
        run_id=run_id,
        dataset=source.name,
        rows_read=bronze if records is None else records,
        rows_bronze=bronze,
        rows_silver=silver,
        rows_quarantined=n[tables["quarantine"]],
        rows_duplicates=valid - held,
        rows_superseded=bronze - current,
    )


def _count(spark: SparkSession, source: SourceConfig, tables: Iterable[str]) -> dict[str, int]:
    from pyspark.sql import functions as F

    from pipelines.ops.counts import Aggregates, source_aggregates, tally

    parts: list[Aggregates] = [(spark.read.table(t), {t: F.count(F.lit(1))}) for t in tables]
    return tally(parts + source_aggregates(spark, source))


def count_all(frames: Mapping[str, DataFrame]) -> dict[str, int]:
    """The row count of every frame, in one Spark job (one round trip, not one per frame)."""
    from pyspark.sql import functions as F

    from pipelines.ops.counts import tally

    return tally([(frame, {key: F.count(F.lit(1))}) for key, frame in frames.items()])
