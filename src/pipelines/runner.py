"""Run the pipeline graph on a Spark Connect session and report what happened."""

from __future__ import annotations

import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SCHEMAS
from pipelines.errors import LakehouseError, PipelineRunError
from pipelines.events import FlowState, RunTracker
from pipelines.graph import DatasetSpec, RunContext, build_graph, downstream
from pipelines.ops.hook import after_run
from pipelines.ops.quality import record_quality
from pipelines.ops.record import RunInfo
from pipelines.pii.keys import resolve_keys
from pipelines.sources.prepare import (
    Prepared,
    prepare_file_sources,
    prepare_sources,
    reset_sources,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["RunResult", "new_run_id", "run_pipeline"]

Printer = Callable[[str], None]


@dataclass(frozen=True)
class RunResult:
    """Outcome of one run: flow states, row counts per stored dataset, duration."""

    run_id: str
    flows: dict[str, FlowState]
    row_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)
    """Datasets a local run left out on purpose -> why (e.g. Kafka sources)."""


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261121T010203Z-1a2b3c``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def run_pipeline(
    config: LakehouseConfig,
    spark: SparkSession,
    *,
    landing_root: str,
    storage_root: str,
    full_refresh: bool = False,
    table_format: str | None = "parquet",
    run_id: str | None = None,
    echo: Printer = print,
    trigger: str = "manual",
    target: str = "local",
    secrets_dir: Path | None = None,
) -> RunResult:
    """Build the graph from ``config``, run it, print progress, return counts.

    Streaming tables refresh incrementally (only new files); materialized views are recomputed
    and reset each run so a changed query may change their schema. ``full_refresh`` resets
    everything, checkpoints included.

    Sources with PII need their keys (``pipelines.pii.keys``; ``secrets_dir`` is the last
    place looked): a missing key fails the run before anything is read.

    Raises:
        PipelineRunError: Naming every dataset that failed.
        PiiKeyError: A PII key is missing or malformed.
    """
    started = time.monotonic()
    run_id = run_id or new_run_id()
    masks = {c.pii.mask for s in config.sources for c in s.columns if c.pii}
    masks |= {a.pii.mask for e in config.entities for a in e.attributes.values() if a.pii}
    keys = resolve_keys(config.project.pii, masks, secrets_dir=secrets_dir)
    context = RunContext(run_id=run_id, landing_root=landing_root, pii_keys=keys)
    specs = build_graph(config, context)
    stored = [s for s in specs if s.stored]
    parameters = {"full_refresh": full_refresh, "landing_root": landing_root}
    info = RunInfo(run_id, target, trigger, parameters, started_at=datetime.now(UTC))
    tracker = RunTracker()
    ran = config
    try:
        mode = "full refresh" if full_refresh else "incremental"
        echo(f"run {run_id}: {len(stored)} datasets, {mode}")
        for schema in SCHEMAS:
            spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
        if full_refresh:
            _reset(spark, stored, storage_root)
            reset_sources(config.sources, context)
        # File sources: drift of files not ingested yet (recorded; may evolve or fail a source).
        config = prepare_file_sources(spark, config, run_id=run_id, landing_root=landing_root, table_format=table_format)  # fmt: skip # noqa: E501
        specs = build_graph(config, context)
        # Sources whose work happens before the graph (extracts, data source registration) or
        # that a local run leaves out; the datasets built from them are left out of this run.
        prepared = prepare_sources(spark, config.sources, context, echo)
        specs, skipped, failed = _leave_out(specs, prepared, echo)
        stored = [s for s in specs if s.stored]
        left_out = {*prepared.skipped, *prepared.failed}
        ran = replace(config, sources=tuple(s for s in config.sources if s.name not in left_out))
        failures = _run_phases(
            spark, specs, stored, failed, tracker, table_format, storage_root, echo
        )
        for name, reason in failed.items():  # recorded in ops like any failed flow
            tracker.flows[name] = FlowState(name, state="FAILED", error=reason)
        if failures or tracker.run_state != "COMPLETED":
            raise PipelineRunError(failures or {"run": tracker.run_state.lower()})
        counts = _row_counts(spark, stored)
        record_quality(spark, ran, run_id, table_format)
        return RunResult(run_id, tracker.flows, counts, time.monotonic() - started, skipped)
    finally:
        error = sys.exc_info()[1]
        after_run(spark, ran, stored, tracker, info, error, table_format=table_format, echo=echo)


def _run_phases(
    spark: SparkSession,
    specs: tuple[DatasetSpec, ...],
    stored: list[DatasetSpec],
    failed: dict[str, str],
    tracker: RunTracker,
    table_format: str | None,
    storage_root: str,
    echo: Printer,
) -> dict[str, str]:
    """Run the graph in two phases; returns every failed dataset (``failed`` included)."""
    # Two phases: the local engine lets a materialized view start as soon as an upstream
    # streaming table is running, so it could read bronze before this run's files landed.
    # Streaming tables refresh (incrementally) first; then every materialized view is
    # recomputed from scratch (a full refresh also lets a changed query change its schema).
    # Sources read as snapshots (JDBC, REST) are materialized views without inputs: they
    # belong to the first phase, or a view reading them could list their files before they
    # are rewritten (FAILED_READ_FILE.FILE_NOT_EXIST on the second run).
    ingest = [s.name for s in stored if s.kind == "streaming_table" or not s.inputs]
    views = [s.name for s in stored if s.name not in ingest]
    recomputed = {s.name for s in stored if s.kind == "materialized_view"}
    failures = dict(failed)
    for names in (ingest, views):
        # A failed dataset stops only what reads it; independent datasets still run.
        blocked = set(downstream(specs, failures))
        todo = [n for n in names if n not in blocked]
        waiting = [n for n in names if n in blocked and n not in failures]
        if waiting:
            echo(f"   - {', '.join(waiting)} not run: an input failed")
        if not todo:
            continue
        reset = [n for n in todo if n in recomputed]
        events = _start(spark, specs, table_format, todo, reset, storage_root)
        _follow(events, echo, tracker)
        failures |= tracker.failed
        if "graph" in tracker.failed or (tracker.run_state != "COMPLETED" and not tracker.failed):
            break  # the run itself broke, not one dataset
    return failures


def _leave_out(
    specs: tuple[DatasetSpec, ...], prepared: Prepared, echo: Printer
) -> tuple[tuple[DatasetSpec, ...], dict[str, str], dict[str, str]]:
    """Drop the datasets of skipped and failed sources (and what reads them); say so once."""
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    left_out: set[str] = set()
    for outcome, reasons in (("skipped", prepared.skipped), ("failed", prepared.failed)):
        for source, reason in reasons.items():
            names = downstream(specs, [f"bronze.{source}", f"bronze_pii.{source}"])
            left_out.update(names)
            if outcome == "skipped":
                skipped |= dict.fromkeys(names, reason)
                echo(f"   - {', '.join(names)} skipped locally: {reason}")
            else:
                failed[f"bronze.{source}"] = reason
                echo(f"   x {f'bronze.{source}':<52} failed: {reason}")
    return tuple(s for s in specs if s.name not in left_out), skipped, failed


def _reset(spark: SparkSession, specs: list[DatasetSpec], storage_root: str) -> None:
    """Drop the graph's tables and streaming checkpoints: the next run starts from nothing.

    (The local engine's own full refresh of a selected streaming table rotates its
    checkpoint but leaves the table's rows in place, so we reset explicitly.)
    """
    storage = urlparse(storage_root)
    if storage.scheme != "file":
        raise LakehouseError(f"full refresh needs a local storage root, got {storage_root}")
    for spec in specs:
        spark.sql(f"DROP TABLE IF EXISTS {spec.name}")
        schema, table = spec.name.split(".")
        checkpoint = Path(unquote(storage.path)) / "_checkpoints" / "spark_catalog" / schema / table
        shutil.rmtree(checkpoint, ignore_errors=True)


def _start(
    spark: SparkSession,
    specs: tuple[DatasetSpec, ...],
    table_format: str | None,
    names: list[str],
    reset: list[str],
    storage_root: str,
) -> Iterator[dict[str, Any]]:
    """Register the graph anew (one execution per graph) and start a run of ``names``."""
    from pyspark.pipelines.graph_element_registry import graph_element_registration_context
    from pyspark.pipelines.spark_connect_graph_element_registry import (
        SparkConnectGraphElementRegistry,
    )
    from pyspark.pipelines.spark_connect_pipeline import create_dataflow_graph

    from pipelines.pipeline_client import start_run
    from pipelines.register import register

    graph_id = create_dataflow_graph(
        spark, default_catalog="spark_catalog", default_database="default", sql_conf={}
    )
    with graph_element_registration_context(SparkConnectGraphElementRegistry(spark, graph_id)):
        register(specs, spark, table_format)
    return start_run(  # tolerates the metrics responses of Python workers
        spark,
        graph_id,
        full_refresh=reset,
        refresh=[n for n in names if n not in reset],
        storage=storage_root,
    )


def _follow(events: Iterator[dict[str, Any]], echo: Printer, tracker: RunTracker) -> None:
    try:
        for result in events:
            event = result.get("pipeline_event_result")
            if event is None:
                continue
            at = event.event.timestamp.ToDatetime().replace(tzinfo=UTC)
            finished = tracker.observe(event.event.message, at)
            if finished is not None:
                echo(_flow_line(finished))
    except Exception as exc:  # the server aborts the stream when the graph cannot run
        tracker.run_state = "FAILED"
        name = _failed_dataset(str(exc), tracker)
        tracker.flows.setdefault(name, FlowState(name)).state = "FAILED"
        tracker.flows[name].error = _first_line(str(exc))
        echo(f"  x {name:<52} failed: {_first_line(str(exc))}")


def _flow_line(flow: FlowState) -> str:
    mark = {"COMPLETED": "ok", "FAILED": "x", "SKIPPED": "-", "EXCLUDED": "-"}.get(flow.state, "?")
    detail = f"  {_first_line(flow.error)}" if flow.state == "FAILED" else ""
    return f"  {mark:>2} {flow.name:<52} {flow.state.lower():<10} {flow.seconds:6.1f}s{detail}"


def _failed_dataset(message: str, tracker: RunTracker) -> str:
    running = [f.name for f in tracker.flows.values() if f.state not in {"COMPLETED", "QUEUED"}]
    for name in tracker.flows:
        if name in message:
            return name
    return running[0] if running else "graph"


_RAISED = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): .+")


def _first_line(text: str) -> str:
    """The line that says what went wrong: the raised exception of a Python traceback
    (a Python data source's error), else the first line."""
    lines = text.strip().splitlines()
    if "Traceback (most recent call last)" in text:
        raised = [line.strip() for line in lines if _RAISED.match(line.strip())]
        if raised:
            return raised[-1][:300]
    return (lines[0] if lines else "")[:300]


def _row_counts(spark: SparkSession, specs: list[DatasetSpec]) -> dict[str, int]:
    return {spec.name: spark.read.table(spec.name).count() for spec in specs}
