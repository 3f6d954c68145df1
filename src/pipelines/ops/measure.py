"""Row counts of a run's datasets, read from the tables after the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pipelines.events import FlowState
from pipelines.ops.counts import table_aggregates, tally
from pipelines.ops.record import DatasetCounts, layer_of
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["measure"]


def measure(
    spark: SparkSession,
    specs: Sequence[DatasetSpec],
    flows: Mapping[str, FlowState],
    run_id: str,
    totals: Mapping[str, int] | None = None,
) -> dict[str, DatasetCounts]:
    """Counts of every dataset the run completed.

    A streaming table's rows in and out are the rows this run appended (its ``_run_id``); a
    materialized view reads all of its inputs and holds ``rows_out`` rows; silver's quarantined
    rows are the rows of the matching quarantine table. ``totals``: the run's counts
    (``ops.counts.count_run``), when already taken.
    """
    done = [s for s in specs if flows.get(s.name) and flows[s.name].state == "COMPLETED"]
    if totals is None:
        totals = tally(table_aggregates(spark, done, run_id))
    counts: dict[str, DatasetCounts] = {}
    for spec in done:
        if spec.kind == "streaming_table":
            new = totals.get(f"{spec.name}#appended", totals[spec.name])
            counts[spec.name] = DatasetCounts(new, new, None)
            continue
        known = [totals.get(i) for i in spec.inputs if i not in spec.lookups]
        rows_in = sum(n for n in known if n is not None) if None not in known else None
        quarantined = None
        if layer_of(spec.name) == "silver":
            quarantined = totals.get(spec.name.replace("silver.", "quarantine.", 1))
        counts[spec.name] = DatasetCounts(rows_in, totals[spec.name], quarantined)
    return counts
