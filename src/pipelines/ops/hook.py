"""What is recorded when a run ends, however it ends, on either platform.

:func:`record_run` is the one code path: it records ``ops.pipeline_runs``, ``ops.flow_metrics``,
``ops.quality_metrics`` and ``ops.reconciliation`` (at once: independent small writes), then
evaluates the alert rules. Its callers only differ in where the run's facts come from: the
local runner followed the run (:func:`after_run`); on Databricks the daily job's
``record_ops`` task reads them from the pipeline's event log
(``pipelines.ops.from_eventlog``). Nothing here may change the run's outcome: every step is
guarded and reported as a line, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from pipelines.alerts.deliver import SecretResolver
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SourceConfig
from pipelines.errors import first_line
from pipelines.events import RunTracker
from pipelines.ops.counts import RunCounts
from pipelines.ops.file_records import FileCounts
from pipelines.ops.history import TableRows
from pipelines.ops.measure import measure
from pipelines.ops.quality import QualityMetric
from pipelines.ops.reconcile import reconcilable, reconcile_source
from pipelines.ops.record import RunInfo, flow_rows, run_row, run_status
from pipelines.ops.tables import append_rows, existing_ops_tables
from pipelines.ops.together import Started, together
from pipelines.pii.errors import clear_pii_datasets, withhold_errors
from pipelines.profile import Profile
from pipelines.spec import DatasetSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.alerts.evaluate import Record

__all__ = ["after_run", "read_ahead", "record_run"]


def after_run(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    tracker: RunTracker,
    info: RunInfo,
    error: BaseException | None,
    *,
    secrets: SecretResolver,
    table_format: str | None = "delta",
    echo: Callable[[str], None] = print,
    profile: Profile | None = None,
    counts: RunCounts | None = None,
    quality: Sequence[QualityMetric] | None = None,
    fingerprints: Mapping[str, str] | None = None,
    ahead: Started[list[Record]] | None = None,
    files: TableRows | None = None,
) -> None:
    """Record the run that just ended (``error``: why it failed) and raise its alerts.

    ``counts``: the run's counts, taken by the runner when every dataset completed; else
    the tables are counted here. ``quality``: the run's rule metrics, when measured (appended
    to ``ops.quality_metrics``). ``secrets``: how the alert destinations' secrets are read
    (the run's platform's lookup). ``ahead``: the alert rules' reads, started before the
    counts (``read_ahead``), else read here. ``files``: how the platform reads an ops
    table's rows from its files, when it can (``TableRows``).
    """
    timed = (profile or Profile()).step
    ended = replace(
        info,
        ended_at=datetime.now(UTC),
        status=run_status(error),
        error_summary=str(error) if error is not None else None,
    )
    names = [s.name for s in specs]
    flows = flow_rows(info.run_id, names, tracker.flows, {}, fingerprints)
    try:
        with timed("flow metrics: counts"):
            totals = counts.values if counts else None
            measured = measure(spark, specs, tracker.flows, info.run_id, totals)
        flows = flow_rows(info.run_id, names, tracker.flows, measured, fingerprints)
    except Exception as exc:
        echo(f"ops: row counts not measured: {first_line(exc)}")
    record_run(
        spark, config, specs, run_row(ended), flows, table_format=table_format, echo=echo,
        profile=profile, counts=counts, quality=quality, secrets=secrets, ahead=ahead,
        files=files,
    )  # fmt: skip


def read_ahead(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    tracker: RunTracker,
    run_id: str,
    files: TableRows | None = None,
) -> Started[list[Record]]:
    """The alert rules' reads of a run whose flows ended (``alert_reads``), started now: they
    read other runs' history and what this run recorded as it began, not its counts, so they
    go alongside the counting (``after_run`` takes them)."""
    from pipelines.alerts.evaluate import alert_reads

    flows = flow_rows(run_id, [s.name for s in specs], tracker.flows, {})
    return Started(alert_reads(spark, config, run_id, flows, files))


def record_run(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    run: dict[str, Any],
    flows: Sequence[dict[str, Any]],
    *,
    table_format: str | None = "delta",
    echo: Callable[[str], None] = print,
    profile: Profile | None = None,
    counts: RunCounts | None = None,
    quality: Sequence[QualityMetric] | None = None,
    secrets: SecretResolver,
    ahead: Started[list[Record]] | None = None,
    files: TableRows | None = None,
) -> None:
    """Append a run that ended (``run``: its ``ops.pipeline_runs`` row; ``flows``: its
    ``ops.flow_metrics`` rows) and its quality metrics; reconcile its sources (of a run that
    did not complete, those whose every table completed: one line says why each other source
    has no row); raise its alerts.

    ``counts``: the run's counts (``ops.counts.count_run``), when taken; else the
    reconciliation counts the tables. ``quality``: the run's rule metrics, when measured.
    ``secrets``: how the alert destinations' secrets are read (the platform's lookup).
    ``ahead``: the alert reads, already started (``read_ahead``); else started here.
    ``files``: how the platform reads an ops table's rows from its files, when it can.
    """
    from pipelines.alerts.evaluate import alert_reads, evaluate_run

    timed = (profile or Profile()).step
    run_id = run["run_id"]
    # Errors of flows that see clear PII may quote it: withheld before any row or alert.
    run, flows = withhold_errors(run, flows, clear_pii_datasets(config, specs))
    with timed("ops tables listed"):
        existing = existing_ops_tables(spark)
    append = partial(append_rows, spark, table_format=table_format, existing=existing)
    quality_rows = [asdict(m) for m in quality or ()]
    writes: dict[str, Callable[[], int]] = {
        "pipeline_runs": partial(append, "pipeline_runs", [run]),
        "flow_metrics": partial(append, "flow_metrics", list(flows)),
    }
    if quality is not None:
        writes["quality_metrics"] = partial(append, "quality_metrics", quality_rows)
    sources, unreconciled = list(config.sources), dict[str, str]()
    if run["status"] != "COMPLETED":
        sources, unreconciled = reconcilable(config.sources, flows)
    for name, why in unreconciled.items():
        echo(f"ops: ops.reconciliation has no row for {name}: {why}")
    if sources:
        writes["reconciliation"] = partial(
            _reconcile, spark, sources, run_id, table_format, echo, counts, existing, files
        )
    # The alert rules read other runs' history and what was recorded of this run before it
    # ended: those reads go along with the writes. This run's quality metrics are added to
    # what was read (a read racing the write may see them too: incidents are one per key).
    reads = alert_reads(spark, config, run_id, flows, files) if ahead is None else {}
    with timed("ops records (at once)"):
        done = together({**writes, **{f"read {name}": read for name, read in reads.items()}})
        if ahead is not None:
            done |= {f"read {name}": rows for name, rows in ahead.results().items()}
    for table, result in done.items():
        if isinstance(result, Exception) and table in writes:
            echo(f"ops: ops.{table} not recorded: {first_line(result)}")
    try:
        failed = [r for n, r in done.items() if isinstance(r, Exception) and n not in writes]
        if failed:
            raise failed[0]
        read = {n.removeprefix("read "): r for n, r in done.items() if n.startswith("read ")}
        records = cast("dict[str, list[dict[str, Any]]]", read)
        if "quality_metrics" in records:
            records["quality_metrics"] = [*records["quality_metrics"], *quality_rows]
        streaming = [s.name for s in specs if s.kind == "streaming_table"]
        with timed("alerts"):
            outcome = evaluate_run(
                spark, config, run, flows, table_format=table_format, appended=streaming,
                records=records, secrets=secrets,
            )  # fmt: skip
        echo(outcome.summary())
    except Exception as exc:
        echo(f"alerts: not evaluated: {first_line(exc)}")


def _reconcile(
    spark: SparkSession,
    sources: Sequence[SourceConfig],
    run_id: str,
    table_format: str | None,
    echo: Callable[[str], None],
    counts: RunCounts | None = None,
    existing: Collection[str] = (),
    read: TableRows | None = None,
) -> int:
    totals = counts.values if counts else None
    files = FileCounts(spark, read)
    results = [reconcile_source(spark, source, run_id, totals, files) for source in sources]
    for result in results:
        if not result.balanced:
            echo(
                f"ops: {result.dataset} does not balance: {result.rows_read:,} read, "
                f"{result.accounted:,} accounted for"
            )
    if files.counted:  # the files counted for the first time (ops.file_records says why)
        counted = [{**row, "run_id": run_id} for row in files.counted]
        append_rows(spark, "file_records", counted, table_format, existing)
    return append_rows(spark, "reconciliation", [r.row() for r in results], table_format, existing)  # fmt: skip # noqa: E501
