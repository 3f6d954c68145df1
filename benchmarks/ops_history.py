"""What the ops reads of every run cost as runs are recorded: with and without compaction.

    .venv/bin/python benchmarks/ops_history.py --runs 400 --every 100 --repeats 3

Every run appends its rows to the ``ops`` tables (``pipelines.ops.tables.append_rows``), and
every run reads them back: the up-to-date check (``latest_flow_states``: each dataset's newest
fingerprint) and the volume alert rule (``count_history``: each dataset's recent row counts).
Each append is one small file; these reads list and open them all.

One local lakehouse session, a fresh ``LAKEHOUSE_HOME`` under ``--work``. Per variant, the
``ops.pipeline_runs`` and ``ops.flow_metrics`` tables are dropped, then ``--runs`` runs are
recorded through ``append_rows`` as a run records them (one ``pipeline_runs`` row and one
``flow_metrics`` row per dataset, ``--datasets`` of them), and after every ``--every`` runs
both reads are timed ``--repeats`` times (the median is kept) with the tables' file count:

* ``plain``: the tables as ``append_rows`` creates them: one more file per append;
* ``compacted``: the same tables created first with Delta's auto compaction
  (``delta.autoOptimize.autoCompact = true``), which ``append_rows`` leaves as set;
* ``maintained``: plain tables compacted every ``--compact-every`` runs as a local run does
  (``pipelines.local.compaction``, ``project.local.compact_ops_every``: 50 by default),
  through ``pipelines.ops.compact.compact``. The reads are timed before that run's
  compaction: the most small files the cycle has.

(Auto compaction is not what ``append_rows`` does: in a fresh process its post-commit hook
cost ~7 s per run, see BENCHMARKS.md, session 11. This measures what it would save.)

The variants alternate which goes first per ``--rounds``. Writes every measurement to
``benchmarks/results/ops_history-<time>.json``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import load_config
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.ops.compact import compact
from pipelines.ops.history import count_history, latest_flow_states
from pipelines.ops.tables import OPS_TABLES, append_rows
from run import REPO, add_wait_options, save, wait_until_quiet

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONF = REPO / "src" / "conf"
VARIANTS = ("compacted", "plain", "maintained")
TABLES = ("pipeline_runs", "flow_metrics")
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _record(spark: SparkSession, run: int, datasets: list[str]) -> float:
    """Append one run's rows as a run does; the seconds the two appends took."""
    run_id = f"run{run:06d}"
    started = _START + timedelta(hours=run)
    row: dict[str, Any] = {
        "run_id": run_id, "target": "local", "trigger": "manual", "parameters": "{}",
        "started_at": started, "ended_at": started + timedelta(minutes=1), "status": "COMPLETED",
    }  # fmt: skip
    flows = [
        {
            "run_id": run_id,
            "dataset": name,
            "layer": name.split(".")[0],
            "status": "COMPLETED",
            "rows_in": 1000 + run,
            "rows_out": 990 + run,
            "rows_quarantined": 10,
            "seconds": 1.5,
            "fingerprint": f"{name}:v1",
        }
        for name in datasets
    ]
    clock = time.perf_counter()
    append_rows(spark, "pipeline_runs", [row])
    append_rows(spark, "flow_metrics", flows)
    return time.perf_counter() - clock


def _timed(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        call()
        times.append(time.perf_counter() - clock)
    return statistics.median(times)


def _files(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE DETAIL ops.{table}").collect()[0]["numFiles"])


def _compaction(spark: SparkSession) -> float:
    clock = time.perf_counter()
    done = compact(spark, [f"ops.{t}" for t in TABLES])
    failed = [str(r) for r in done.values() if isinstance(r, Exception)]
    if failed:
        raise SystemExit(f"compaction failed: {failed}")
    return time.perf_counter() - clock


def _variant(spark: SparkSession, variant: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The reads' cost after every ``--every`` runs recorded, from empty tables."""
    for table in TABLES:
        spark.sql(f"DROP TABLE IF EXISTS ops.{table}")
        if variant == "compacted":
            spark.sql(
                f"CREATE TABLE ops.{table} ({OPS_TABLES[table]}) USING delta "
                "TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'true')"
            )
    datasets = [f"silver.source_{i:02d}" for i in range(args.datasets)]
    points: list[dict[str, Any]] = []
    appends: list[float] = []
    compactions: list[float] = []
    for run in range(1, args.runs + 1):
        appends.append(_record(spark, run, datasets))
        if variant == "maintained" and run % args.compact_every == 0:
            compactions.append(_compaction(spark) if run % args.every else 0.0)
        if run % args.every:
            continue
        files = {table: _files(spark, table) for table in TABLES}
        point: dict[str, Any] = {
            "variant": variant,
            "runs": run,
            "files": files,
            "append_s": statistics.median(appends),
            "latest_flow_states_s": _timed(
                lambda: latest_flow_states(spark, set(datasets)), args.repeats
            ),
            "count_history_s": _timed(lambda: count_history(spark, "none", 20), args.repeats),
        }
        appends = []
        if variant == "maintained" and run % args.compact_every == 0:
            compactions[-1] = _compaction(spark)  # after the reads: they see the most files
        if compactions:
            point["compaction_s"] = statistics.median(compactions)
        points.append(point)
        print(
            f"  {variant:<9} runs {run:5d}  files {files['flow_metrics']:4d}  "
            f"appends {point['append_s']:.2f}s  up-to-date read "
            f"{point['latest_flow_states_s']:.2f}s  history read {point['count_history_s']:.2f}s"
            + (f"  compaction {point['compaction_s']:.2f}s" if compactions else ""),
            flush=True,
        )
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--datasets", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3, help="timings of each read")
    parser.add_argument("--compact-every", type=int, default=50, help="runs, maintained variant")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--rounds", type=int, default=1, help="of both variants")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/ops_history"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    home = args.work / "home"
    config = load_config(CONF)
    spark = local_session(Settings(home, home / "landing", CONF), config.project.local)
    spark.sql("CREATE DATABASE IF NOT EXISTS ops")
    points: list[dict[str, Any]] = []
    try:
        for round_ in range(args.rounds):
            order = args.variants if round_ % 2 == 0 else args.variants[::-1]
            for variant in order:
                waited = wait_until_quiet(args.quiet, args.quiet_wait)
                if waited > 6:
                    print(f"  (waited {waited:.0f} s for a quiet machine)")
                points += [{**p, "round": round_} for p in _variant(spark, variant, args)]
    finally:
        stop_session()
    last = {p["variant"]: p for p in points if p["runs"] == args.runs}
    summary = ", ".join(
        f"{v}: {last[v]['latest_flow_states_s']:.2f}s + {last[v]['count_history_s']:.2f}s"
        for v in VARIANTS
        if v in last
    )
    save(args.out, "ops_history", {"points": points}, f"reads after {args.runs} runs: {summary}")


if __name__ == "__main__":
    main()
