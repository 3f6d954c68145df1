"""Run the pipeline graph on a Spark Connect session and report what happened."""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from pipelines.alerts.deliver import lookup_secret
from pipelines.config.loader import LakehouseConfig
from pipelines.config.model import SCHEMAS
from pipelines.convention.propose import propose_arrivals
from pipelines.errors import LakehouseError, PipelineRunError
from pipelines.events import FlowState, RunTracker
from pipelines.graph import DatasetSpec, RunContext, build_graph, downstream
from pipelines.local.causes import LogTail, with_cause
from pipelines.local.compaction import compact_when_due
from pipelines.local.increments import forget
from pipelines.local.refresh import Increments
from pipelines.local.restore import keep_last_good
from pipelines.local.table_logs import TableLogs
from pipelines.local.unfinished import Markers
from pipelines.ops.counts import RunCounts, count_run
from pipelines.ops.history import latest_flow_states, newest_states
from pipelines.ops.hook import after_run, read_ahead
from pipelines.ops.quality import QualityMetric, check_thresholds, quality_metrics
from pipelines.ops.record import RunInfo, new_run_id
from pipelines.ops.together import Started, together
from pipelines.ops.up_to_date import UpToDate, fingerprints, up_to_date
from pipelines.pii.keys import resolve_source_keys
from pipelines.platform import platform_for
from pipelines.profile import Profile
from pipelines.redact import scrub_text
from pipelines.sources.checkpoints import checkpoint_dir
from pipelines.sources.file_inspect import stored_tables
from pipelines.sources.prepare import (
    Prepared,
    finish_sources,
    prepare_file_sources,
    prepare_sources,
    reset_sources,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.alerts.evaluate import Record

__all__ = ["RunResult", "new_run_id", "run_definition", "run_once", "run_pipeline"]

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
    up_to_date: tuple[str, ...] = ()
    """Datasets the run left as they were: nothing new reached them (``ops.up_to_date``)."""


def run_pipeline(
    config: LakehouseConfig,
    spark: SparkSession,
    *,
    landing_root: str,
    storage_root: str,
    full_refresh: bool = False,
    table_format: str | None = "delta",
    run_id: str | None = None,
    echo: Printer = print,
    trigger: str = "manual",
    target: str = "local",
    secrets_dir: Path | None = None,
    profile: Profile | None = None,
    proposals: Path | None = None,
) -> RunResult:
    """Build the graph from ``config``, run it, print progress, return counts.

    Streaming tables refresh incrementally (only new files); materialized views are recomputed
    and reset each run so a changed query may change their schema. ``full_refresh`` resets
    everything, checkpoints included.

    Sources with PII need their keys (``pipelines.pii.keys``; ``secrets_dir`` is the last
    place looked): a source whose key is missing or malformed fails alone, saying why, and
    the rest runs.

    ``profile`` collects the wall time of each step (``lakehouse run --profile`` prints it).

    Undeclared arrivals (``config.arrivals``, ``pipelines.convention``) get their bronze
    tables, held back in their team's landing schema; a table whose files a declared source
    reads now is dropped first (it yields). After the graph, each arrival loaded is scanned
    for PII and its contract proposed under ``proposals`` (when given).

    Raises:
        PipelineRunError: Naming every dataset that failed.
    """
    started = time.monotonic()
    timed = (profile or Profile()).step
    run_id = run_id or new_run_id()
    context, unkeyed = _run_context(config, run_id, (landing_root, storage_root), secrets_dir)
    stored = [s for s in build_graph(config, context) if s.stored]
    parameters = {"full_refresh": full_refresh, "landing_root": landing_root}  # as recorded
    info, tracker = RunInfo(run_id, target, trigger, parameters, datetime.now(UTC)), RunTracker()
    # recorded: the datasets ops.flow_metrics gets; nothing_new: file sources without new files
    ran, recorded, prints, nothing_new = config, stored, {}, set[str]()
    markers = Markers(storage_root)
    unfinished = markers.unfinished(run_id)
    counted: RunCounts | None = None
    quality: list[QualityMetric] | None = None
    ahead: Started[list[Record]] | None = None  # the alert reads, alongside the counts
    try:
        echo(f"run {run_id}: {len(stored)} datasets, {'full refresh' if full_refresh else 'incremental'}")  # fmt: skip # noqa: E501
        _begin(spark, config, context, stored, storage_root, markers, timed, full_refresh)
        # File sources: drift of files not ingested yet (recorded; may evolve or fail a source).
        with timed("schema drift check"):
            config = prepare_file_sources(spark, config, run_id=run_id, landing_root=landing_root, table_format=table_format, nothing_new=nothing_new, storage_root=storage_root)  # fmt: skip # noqa: E501
        specs = build_graph(config, context)
        prints = fingerprints(config, specs)
        with timed("prepare sources"):
            prepared, specs, skipped, failed = _prepare(spark, config, specs, context, unkeyed, echo)  # fmt: skip # noqa: E501
        recorded = stored = [s for s in specs if s.stored]
        nothing_new |= prepared.nothing_new
        fresh = UpToDate()
        if not full_refresh:  # a full refresh runs everything
            with timed("up to date check"):
                fresh = _up_to_date(spark, config, specs, nothing_new, unfinished)
            specs, stored = _leave_up_to_date(specs, fresh, tracker, echo)
        ran = _sources_run(config, {*prepared.skipped, *prepared.failed}, fresh)
        with timed("pipeline"):
            failures = _run_phases(
                spark, specs, stored, failed, tracker, table_format, storage_root, echo, profile,
                full_refresh=full_refresh,
                increments=(increments := Increments(spark, ran, prints, storage_root, tracker, echo, run_id, profile or Profile())),  # noqa: E501
            )  # fmt: skip
        # sources that failed before the graph are recorded in ops like any failed flow
        tracker.flows |= {n: FlowState(n, "FAILED", error=why) for n, why in failed.items()}
        _convention(spark, config, tracker, proposals, storage_root, timed, echo)
        if failures or tracker.run_state != "COMPLETED":
            increments.record(None)
            raise PipelineRunError(failures or {"run": tracker.run_state.lower()})
        ahead = read_ahead(spark, ran, recorded, tracker, run_id, TableLogs.of(spark).rows)
        counted = _count(spark, ran, stored, run_id, increments, timed)
        quality = quality_metrics(spark, ran, run_id, counted.values)  # appended after the run
        check_thresholds(run_id, quality)
        return RunResult(run_id, tracker.flows, counted.tables(stored), time.monotonic() - started, skipped, fresh.datasets)  # fmt: skip # noqa: E501
    finally:
        error = sys.exc_info()[1]
        with timed("after run"):
            after_run(spark, ran, recorded, tracker, info, error, secrets=partial(lookup_secret, platform=context.adapter), table_format=table_format, echo=echo, profile=profile, counts=counted, quality=quality, fingerprints=prints, ahead=ahead, files=TableLogs.of(spark).rows)  # fmt: skip # noqa: E501
            _tidy(spark, config, context, table_format, echo)
        if error is None:  # completed and recorded: no run is unfinished any more
            markers.completed()


def _tidy(
    spark: SparkSession,
    config: LakehouseConfig,
    context: RunContext,
    table_format: str | None,
    echo: Printer,
) -> None:
    """What a run tidies at its end, whatever its outcome: each source's leftovers of its
    pre-run work (a snapshot's copy, raw values included), and the ops tables' small files
    every so many runs recorded, not in every run (``pipelines.local.compaction``)."""
    finish_sources(config.sources, context, echo)
    every = config.project.local.compact_ops_every
    compact_when_due(spark, context.storage_root, every, table_format, echo)


def _prepare(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: tuple[DatasetSpec, ...],
    context: RunContext,
    unkeyed: dict[str, str],
    echo: Printer,
) -> tuple[Prepared, tuple[DatasetSpec, ...], dict[str, str], dict[str, str]]:
    """Sources whose work happens before the graph (extracts, data source registration) or
    that a local run leaves out, and sources and entities without their PII key: the datasets
    built from them are left out of this run. Returns the preparation, the specs left, and
    the datasets skipped and failed (with why)."""
    keyed = [s for s in config.sources if s.name not in unkeyed]
    prepared = prepare_sources(spark, keyed, context, echo)
    prepared.failed.update({n: r for n, r in unkeyed.items() if "." not in n})  # a key
    specs, skipped, failed = _leave_out(specs, prepared, echo)
    failed |= {n: r for n, r in unkeyed.items() if "." in n}  # an entity's key
    return prepared, specs, skipped, failed


def _convention(
    spark: SparkSession,
    config: LakehouseConfig,
    tracker: RunTracker,
    folder: Path | None,
    storage_root: str,
    timed: Callable[[str], AbstractContextManager[None]],
    echo: Printer,
) -> None:
    """After the graph: the arrivals this run loaded scanned for PII and their sources
    proposed in ``folder`` (when given); the convention tables whose files a declared source
    reads now dropped once its bronze table holds them (until then they stay: a declared
    source that fails, e.g. without its PII key, takes nothing away). Never raises."""
    if folder is not None and config.arrivals:
        with timed("arrivals: PII scan, proposals"):
            for line in propose_arrivals(spark, config, tracker.flows, folder, today=date.today()):  # fmt: skip # noqa: E501
                echo(line)
    for gone in config.survey.yielded if config.survey else ():
        if not spark.catalog.tableExists(gone.dataset):
            continue
        bronze = tracker.flows.get(f"bronze.{gone.source}", FlowState(gone.source))
        if bronze.state not in {"COMPLETED", "UP_TO_DATE"}:
            echo(f"   ~ {gone.dataset} stays until bronze.{gone.source} holds its files")
            continue
        try:
            _drop(spark, [gone.dataset], storage_root)
        except LakehouseError as exc:
            echo(f"   ~ {gone.dataset} not dropped: {exc}")
            continue
        echo(f"   ~ {gone.dataset} yields to bronze.{gone.source}, which holds its files now: dropped")  # fmt: skip # noqa: E501


def _masks(config: LakehouseConfig) -> dict[str, set[str]]:
    """The PII masks of each source (by name) and entity (``silver.<name>``) that has some."""
    masks = {s.name: set[str](c.pii.mask for c in s.columns if c.pii) for s in config.sources}
    for e in config.entities:
        masks[f"silver.{e.name}"] = {a.pii.mask for a in e.attributes.values() if a.pii}
    return {name: mine for name, mine in masks.items() if mine}


def _run_phases(
    spark: SparkSession,
    specs: tuple[DatasetSpec, ...],
    stored: list[DatasetSpec],
    failed: dict[str, str],
    tracker: RunTracker,
    table_format: str | None,
    storage_root: str,
    echo: Printer,
    profile: Profile | None = None,
    *,
    full_refresh: bool = False,
    increments: Increments | None = None,
) -> dict[str, str]:
    """Run the graph in one or two phases; returns every failed dataset (``failed`` included).

    ``increments``: once the first phase (streaming tables, snapshots) ended, the silver and
    quarantine views it can refresh from the new bronze rows alone are, and are left out of
    the phases after it; at the end, the state of those the engine recomputed is kept
    (``pipelines.local.increments``). Not on a full refresh, which recomputes everything."""
    if not stored:  # everything is up to date (or left out): a run that completed
        tracker.run_state = "COMPLETED"
        return dict(failed)
    # Two phases: the local engine lets a materialized view start as soon as an upstream
    # streaming table is running when that table already exists in the catalog (seen on
    # pyspark 4.2: the read is then not taken as a dependency), so it could read bronze before
    # this run's files landed. Streaming tables refresh (incrementally)
    # first; then every materialized view is recomputed from scratch (a full refresh also lets
    # a changed query change its schema). Sources read as snapshots (JDBC, REST) are
    # materialized views without inputs: they belong to the first phase, or a view reading
    # them could list their files before they are rewritten (FAILED_READ_FILE.FILE_NOT_EXIST
    # on the second run).
    # A full refresh has dropped every table first: then the engine orders every flow after
    # its inputs, and one phase saves a registration and a run's start and end (~3 s). Should
    # a view still start before one of its inputs ended, the views run again (second phase).
    # Views whose rules look up another view run in later waves either way (see _waves).
    # A source read once (pipelines.layers.bronze): its bronze masks what its bronze_pii read,
    # in a phase of its own between the two (seen: the views reading such a bronze ran before
    # it, as with a snapshot; and the increments read bronze's new rows once it has them).
    masking = [s.name for s in stored if s.after_ingest]
    ingest = [
        s.name for s in stored
        if s.name not in masking and (s.kind == "streaming_table" or not s.inputs)
    ]  # fmt: skip
    views = [s.name for s in stored if s.name not in ingest and s.name not in masking]
    recomputed = {s.name for s in stored if s.kind == "materialized_view"}
    failures = dict(failed)
    waves = _waves(specs, views)
    if full_refresh and waves and not masking:
        phases = [ingest + waves[0], *waves[1:]]
    else:
        phases = [ingest, *([masking] if masking else []), *waves]
    check_order = full_refresh
    pending = None if full_refresh else increments
    before_views = len(phases) - len(waves)  # phases before the first of the views
    while phases:
        if before_views == 0 and pending is not None:  # the views' phases are next
            done = pending.apply(later={n for phase in phases for n in phase})
            phases = [[n for n in phase if n not in done] for phase in phases]
            pending = None
        before_views -= 1
        names = phases.pop(0)
        # A failed dataset stops only what reads it; independent datasets still run.
        blocked = set(downstream(specs, failures))
        todo = [n for n in names if n not in blocked]
        waiting = [n for n in names if n in blocked and n not in failures]
        if waiting:
            echo(f"   - {', '.join(waiting)} not run: an input failed")
        if not todo:
            continue
        reset = [n for n in todo if n in recomputed]
        for name in todo:  # a rerun starts their bookkeeping afresh
            tracker.flows.pop(name, None)
        since = datetime.now(UTC)
        run_once(
            spark, specs, todo, reset=reset, storage_root=storage_root,
            table_format=table_format, echo=echo, tracker=tracker, profile=profile,
        )  # fmt: skip
        failures |= tracker.failed
        _keep_last_good(spark, tracker, reset, since, table_format, echo)
        if "graph" in tracker.failed or (tracker.run_state != "COMPLETED" and not tracker.failed):
            break  # the run itself broke, not one dataset
        # In one phase the engine itself skips what reads a failed dataset: say why, as above.
        if check_order and (skipped := _not_run(specs, tracker, todo, failures)):
            echo(f"   - {', '.join(skipped)} not run: an input failed")
        if check_order and (early := _started_early(specs, tracker, todo)):
            echo(f"   ! {', '.join(early)} started before an input was complete: run again")
            phases.append([n for n in views if n in todo])
        check_order = False  # a second phase runs after the first ended: ordered
    return failures


def _keep_last_good(
    spark: SparkSession,
    tracker: RunTracker,
    recomputed: list[str],
    since: datetime,
    table_format: str | None,
    echo: Printer,
) -> None:
    """The engine empties a view before recomputing it: one that did not complete (failed, or
    skipped after a failed input) gets its data from before the run back (Delta only)."""
    unfinished = [n for n in recomputed if tracker.flows.get(n, FlowState(n)).state != "COMPLETED"]  # fmt: skip # noqa: E501
    if not unfinished or table_format not in (None, "delta"):
        return
    if restored := keep_last_good(spark, unfinished, since):
        echo(f"   = {', '.join(restored)} kept the data of the last good run")


def _not_run(
    specs: tuple[DatasetSpec, ...], tracker: RunTracker, names: list[str], failures: dict[str, str]
) -> list[str]:
    """The datasets among ``names`` downstream of a failure that did not complete."""
    blocked = set(downstream(specs, failures))
    done = {n for n, flow in tracker.flows.items() if flow.state == "COMPLETED"}
    return [n for n in names if n in blocked and n not in failures and n not in done]


def _waves(specs: tuple[DatasetSpec, ...], views: list[str]) -> list[list[str]]:
    """Split the views phase so that a view runs in a later phase than what its rules look up
    (and than the inputs the engine does not order it after: ``DatasetSpec.unordered``).

    The local engine does not order a flow after a table it reads inside a rule's lookup (a
    foreign key): it would start both at once, and the lookup would list the files of the
    referenced view before that view is rewritten (FAILED_READ_FILE.FILE_NOT_EXIST on every
    rerun, its own retries included). Other inputs read directly stay in one phase: the
    engine orders those itself.
    """
    by_name = {s.name: s for s in specs}
    wave = dict.fromkeys(views, 0)
    for _ in views:  # longest chain of lookups; at most one pass per view
        for name in views:
            spec = by_name[name]
            apart = {*spec.lookups, *spec.unordered}
            after = [wave[i] for i in spec.inputs if i in wave and i not in apart]
            later = [wave[i] + 1 for i in apart if i in wave]
            wave[name] = max([0, *after, *later])
    return [[n for n in views if wave[n] == w] for w in range(max(wave.values(), default=-1) + 1)]


def _started_early(
    specs: Sequence[DatasetSpec], tracker: RunTracker, names: Sequence[str]
) -> list[str]:
    """The datasets among ``names`` that started before one of their inputs (also among
    ``names``) ended: they may have read the input's old contents.

    The engine stamps a flow's end and its readers' start on different threads: a reader
    that starts as the input ends may carry a start a millisecond earlier. So a reader counts
    as early only when it started well before the end: by more than a second, or than half
    the input's own run time when that is shorter.
    """
    flows = tracker.flows
    early = []
    for spec in specs:
        mine = flows.get(spec.name)
        if spec.name not in names or mine is None or mine.started is None:
            continue
        inputs = [flows[i] for i in spec.inputs if i in names and i in flows]
        if any(_before_end(mine.started, flow) for flow in inputs):
            early.append(spec.name)
    return early


def _before_end(started: datetime, flow: FlowState) -> bool:
    if flow.ended is None:
        return True
    slack = min(timedelta(seconds=1), timedelta(seconds=flow.seconds / 2))
    return flow.ended - started > slack


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


def _count(
    spark: SparkSession,
    config: LakehouseConfig,
    stored: Sequence[DatasetSpec],
    run_id: str,
    increments: Increments,
    timed: Callable[[str], AbstractContextManager[None]],
) -> RunCounts:
    """The counts of a run that completed (a source's checks counted over its increment are
    not taken again), then the increments' state, which keeps them for the next run."""
    with timed("counts (tables, checks, rules: one job)"):
        logged = TableLogs.of(spark).counts(stored, run_id)  # no job for what the logs answer
        counted = count_run(spark, config, stored, run_id, increments.counts(), logged)
    increments.record(counted.values)
    return counted


def _up_to_date(
    spark: SparkSession,
    config: LakehouseConfig,
    specs: Sequence[DatasetSpec],
    nothing_new: set[str],
    unfinished: str | None,
) -> UpToDate:
    """The datasets this run may leave as they are (``pipelines.ops.up_to_date``): none after
    a run that did not end cleanly (``unfinished``: it may have committed part of its work)."""
    if unfinished:
        return UpToDate(lines=(f"   ! {unfinished}: every dataset runs",))
    names = {s.name for s in specs if s.stored}
    reads: dict[str, Callable[[], Any]] = {
        "recorded": partial(_recorded, spark, names),
        **{s: partial(stored_tables, spark, s) for s in _schemas(config) if s != "ops"},
    }
    done = together(reads)
    for result in done.values():
        if isinstance(result, Exception):
            raise result
    existing = {t for name, found in done.items() if name != "recorded" for t in cast("set[str]", found)}  # fmt: skip # noqa: E501
    recorded = cast("dict[str, tuple[str | None, str]]", done["recorded"])
    return up_to_date(config, specs, recorded, existing, nothing_new)


def _recorded(spark: SparkSession, names: set[str]) -> dict[str, tuple[str | None, str]]:
    """``latest_flow_states`` of ``names``, from the ops tables' files where the local
    warehouse holds them plainly (no query: the first Delta reads of a run's JVM cost
    seconds), else by Spark."""
    logs = TableLogs.of(spark)
    runs = logs.rows("ops.pipeline_runs", ["run_id", "started_at"])
    flows = logs.rows("ops.flow_metrics", ["dataset", "fingerprint", "status", "run_id"])
    if runs is None or flows is None:
        return latest_flow_states(spark, names)
    # A flow recorded before fingerprints were has None: not the unit's, so it runs (the
    # query returns nothing then, to the same effect).
    return newest_states(flows, runs, names)


def _run_context(
    config: LakehouseConfig, run_id: str, roots: tuple[str, str], secrets_dir: Path | None
) -> tuple[RunContext, dict[str, str]]:
    """The run's context with the PII keys its sources and entities need, and the sources
    (by name) and entities (``silver.<name>``) whose keys are missing, with why: those fail
    alone, the rest of the run goes on."""
    local = platform_for("local")
    keys, unkeyed = resolve_source_keys(config.project.pii, _masks(config), platform=local, secrets_dir=secrets_dir)  # fmt: skip # noqa: E501
    landing_root, storage_root = roots
    context = RunContext(
        run_id=run_id, landing_root=landing_root, platform=local.name, pii_keys=keys,
        storage_root=storage_root,
    )  # fmt: skip
    return context, unkeyed


def _begin(
    spark: SparkSession,
    config: LakehouseConfig,
    context: RunContext,
    stored: list[DatasetSpec],
    storage_root: str,
    markers: Markers,
    timed: Callable[[str], AbstractContextManager[None]],
    full_refresh: bool,
) -> None:
    """The schemas, this run's marker (until it completed: ``pipelines.local.unfinished``)
    and, for a full refresh, every table, checkpoint and source state dropped."""
    with timed("schemas"):
        # One listing, then a CREATE for what is missing: every CREATE DATABASE IF NOT EXISTS
        # is a metastore round trip (~140 ms here), six of them in every run otherwise.
        present = {d.name for d in spark.catalog.listDatabases()}
        for schema in _schemas(config):
            if schema not in present:
                spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    markers.begin(context.run_id)
    if full_refresh:
        with timed("full refresh: drop tables"):
            _drop(spark, [s.name for s in stored], storage_root)
            reset_sources(config.sources, context)


def _sources_run(config: LakehouseConfig, left_out: set[str], fresh: UpToDate) -> LakehouseConfig:
    """The config of the sources this run runs: counted, checked and reconciled after it."""
    left_out |= {s.name for s in config.sources if f"bronze.{s.name}" in fresh.datasets}
    return replace(config, sources=tuple(s for s in config.sources if s.name not in left_out))


def _leave_up_to_date(
    specs: tuple[DatasetSpec, ...], fresh: UpToDate, tracker: RunTracker, echo: Printer
) -> tuple[tuple[DatasetSpec, ...], list[DatasetSpec]]:
    """Leave ``fresh``'s datasets out of the run (they are recorded as ``UP_TO_DATE``);
    returns the specs left and their tables."""
    for line in fresh.lines:
        echo(line)
    for name in fresh.datasets:
        tracker.flows[name] = FlowState(name, state="UP_TO_DATE")
    kept = tuple(s for s in specs if s.name not in fresh.datasets)
    return kept, [s for s in kept if s.stored]


def _schemas(config: LakehouseConfig) -> list[str]:
    """Every schema a run may write: the lakehouse's and its arrivals' landing schemas."""
    landing = dict.fromkeys(a.bronze_table.split(".")[0] for a in config.arrivals)
    return [*SCHEMAS, *landing]


def _drop(spark: SparkSession, tables: Sequence[str], storage_root: str) -> None:
    """Drop ``tables`` and their streaming checkpoints: the next run starts from nothing.

    (The local engine's own full refresh of a selected streaming table rotates its
    checkpoint but leaves the table's rows in place, so we reset explicitly.)
    """
    if urlparse(storage_root).scheme != "file":
        raise LakehouseError(
            f"dropping a table needs its checkpoint on a local storage root (a full refresh, "
            f"an arrival that yields), got {storage_root}"
        )
    for name in tables:
        spark.sql(f"DROP TABLE IF EXISTS {name}")
        shutil.rmtree(cast("Path", checkpoint_dir(storage_root, name)), ignore_errors=True)
        if name.startswith("silver."):  # its next refresh is a recompute
            forget(storage_root, name.removeprefix("silver."))
        elif name.startswith("gold."):
            forget(storage_root, name)


def run_once(
    spark: SparkSession,
    specs: Sequence[DatasetSpec],
    names: Sequence[str],
    *,
    storage_root: str,
    reset: Sequence[str] = (),
    table_format: str | None = "delta",
    echo: Printer = print,
    tracker: RunTracker | None = None,
    profile: Profile | None = None,
) -> RunTracker:
    """Register ``specs`` as a new graph, run ``names`` once (``reset``: recomputed from
    scratch, the others refreshed) and follow the run to its end; no pre- or post-run work.

    The runner's building block, public for the benchmarks (``benchmarks/ingest.py``).
    """
    tracker = tracker if tracker is not None else RunTracker()
    timed = (profile or Profile()).step

    def define() -> Sequence[str]:
        from pipelines.register import register

        register(tuple(specs), spark, table_format, platform_for("local"))
        return [s.name for s in specs]

    log = LogTail.of(spark)  # the server log from here on: failed flows' root causes
    with timed("register graph"):
        events = _start(spark, define, list(names), list(reset), storage_root)
    with timed(f"run {len(names)} dataset(s)"):
        _follow(events, echo, tracker, profile, log)
    return tracker


def run_definition(
    spark: SparkSession,
    define: Callable[[], Sequence[str]],
    *,
    storage_root: str,
    refresh: Sequence[str] | None = None,
    echo: Printer = print,
) -> RunTracker:
    """Register what ``define`` declares (``pyspark.pipelines`` calls, e.g. the Lakeflow entry
    point ``src/pipelines/databricks/pipeline.py`` run as a file; it returns the names it
    defined) as a new graph, refresh ``refresh`` (default: all it defined) once and follow the
    run to its end.

    How ``tests/deploy/test_bundle_pipelines_run.py`` runs the bundle's pipelines locally.
    """
    tracker = RunTracker()
    events = _start(spark, define, refresh, [], storage_root)
    _follow(events, echo, tracker)
    return tracker


def _start(
    spark: SparkSession,
    define: Callable[[], Sequence[str]],
    names: Sequence[str] | None,
    reset: list[str],
    storage_root: str,
) -> Iterator[dict[str, Any]]:
    """Register the graph anew (one execution per graph) and start a run of ``names``
    (None: of every dataset ``define`` defined)."""
    from pyspark.pipelines.graph_element_registry import graph_element_registration_context
    from pyspark.pipelines.spark_connect_graph_element_registry import (
        SparkConnectGraphElementRegistry,
    )
    from pyspark.pipelines.spark_connect_pipeline import create_dataflow_graph

    from pipelines.local.pipeline_client import start_run

    graph_id = create_dataflow_graph(
        spark, default_catalog="spark_catalog", default_database="default", sql_conf={}
    )
    with graph_element_registration_context(SparkConnectGraphElementRegistry(spark, graph_id)):
        defined = define()
    selected = list(defined if names is None else names)
    return start_run(  # tolerates the metrics responses of Python workers
        spark,
        graph_id,
        full_refresh=reset,
        refresh=[n for n in selected if n not in reset],
        storage=storage_root,
    )


def _follow(
    events: Iterator[dict[str, Any]],
    echo: Printer,
    tracker: RunTracker,
    profile: Profile | None = None,
    log: LogTail | None = None,
) -> None:
    clock = _FlowClock()
    try:
        for result in events:
            event = result.get("pipeline_event_result")
            if event is None:
                continue
            at = event.event.timestamp.ToDatetime().replace(tzinfo=UTC)
            ended = tracker.observe(event.event.message, at)
            clock.saw(tracker)
            for finished in ended:
                if finished.state == "FAILED" and log is not None:
                    finished.error = with_cause(finished.error, log.text())
                echo(_flow_line(finished))
        clock.report(profile)
    except Exception as exc:  # the server aborts the stream when the graph cannot run
        tracker.run_state = "FAILED"
        name = _failed_dataset(str(exc), tracker)
        tracker.flows.setdefault(name, FlowState(name)).state = "FAILED"
        error = with_cause(str(exc), log.text()) if log is not None else str(exc)
        tracker.flows[name].error = _first_line(error)
        echo(f"  x {name:<52} failed: {_first_line(error)}")


class _FlowClock:
    """When (client clock) the first flow started and the last one ended: the run's start-up
    and wind-down around the flows, for the profile."""

    def __init__(self) -> None:
        self.opened = time.perf_counter()
        self.first_start = self.last_end = 0.0

    def saw(self, tracker: RunTracker) -> None:
        now = time.perf_counter()
        flows = tracker.flows.values()
        if not self.first_start and any(f.started for f in flows):
            self.first_start = now
        if flows and all(f.ended for f in flows):
            self.last_end = self.last_end or now
        else:
            self.last_end = 0.0

    def report(self, profile: Profile | None) -> None:
        if profile is None or not (self.first_start and self.last_end):
            return
        now = time.perf_counter()
        profile.add("until the first flow starts", self.first_start - self.opened)
        profile.add("flows", self.last_end - self.first_start)
        profile.add("after the last flow ends", now - self.last_end)


def _flow_line(flow: FlowState) -> str:
    mark = {"COMPLETED": "ok", "FAILED": "x", "SKIPPED": "-", "EXCLUDED": "-"}.get(flow.state, "?")
    detail = f"  {_first_line(flow.error)}" if flow.state == "FAILED" else ""
    return f"  {mark:>2} {flow.name:<52} {flow.state.lower():<10} {flow.seconds:6.1f}s{detail}"


def _failed_dataset(message: str, tracker: RunTracker) -> str:
    # datasets left out as up to date are in the tracker too: they never run, so never fail
    ran = {n: f for n, f in tracker.flows.items() if f.state != "UP_TO_DATE"}
    running = [n for n, f in ran.items() if f.state not in {"COMPLETED", "QUEUED"}]
    for name in ran:
        if name in message:
            return name
    return running[0] if running else "graph"


_RAISED = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): .+")


def _first_line(text: str) -> str:
    """The line that says what went wrong: the raised exception of a Python traceback
    (a Python data source's error), else the first line."""
    lines = scrub_text(text).strip().splitlines()  # printed, and kept in ops.flow_metrics
    if "Traceback (most recent call last)" in text:
        raised = [line.strip() for line in lines if _RAISED.match(line.strip())]
        if raised:
            return raised[-1][:300]
    return (lines[0] if lines else "")[:300]
