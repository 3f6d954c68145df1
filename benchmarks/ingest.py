"""Bronze ingest of the catalog CSVs: our pipeline against the engine's floor, in one session.

    .venv/bin/python benchmarks/ingest.py --rows 1000000 --repeats 3

One local lakehouse session (our Spark Connect server with the ``src/conf/project.yml``
settings, a fresh ``LAKEHOUSE_HOME`` under ``--work``) runs, alternating, ``--repeats`` times:

* ``floor``: ``spark.read.option("header", True).csv(files).write.format(f).save(folder)``,
  the plain read and write of the same files (every column a string) into an empty folder, in
  the format ours writes (``f``: Delta, or Parquet on an engine without Delta);
* ``ours``: the bronze dataset alone through the pipeline engine (``runner.run_once``): the
  graph registered, the run started, the CSV stream read by header name, the ingestion
  metadata and content hash added, the table written, the run followed to its end. The table
  and its checkpoint are dropped first, so every repeat is a first load. (The runner's pre-
  and post-run steps are not part of an ingest: ``run.py`` measures whole runs.)

``--variants`` adds the steps between the two (``--variants floor stream reader metadata
hashed ours``), each a stream of the same files into an empty Delta folder (``availableNow``),
so that the gap splits into what each step adds:

* ``stream``: the floor as a stream (``readStream.csv``, every column a string): the engine's
  micro-batch and commit protocol;
* ``reader``: our CSV reader (``read_source``): the contract's columns by header name, the
  corrupt-record column, the file's path and modification time;
* ``metadata``: bronze's rows without the content hash (``_content_hash`` dropped, so Spark
  prunes it): the file date, ingest time and run id;
* ``hashed``: bronze's rows as the flow writes them (``pipelines.layers.bronze``).

And two that take one thing out of ``ours`` (same engine, same table), to price it in the
flow itself:

* ``ours_no_date``: ``_file_date`` a constant date, not parsed from each row's file name;
* ``ours_no_hash``: ``_content_hash`` a constant, not the SHA-256 of the row's values.

All run in the same JVM, after one warm-up read of the files, so start-up is out of all.
Each step's output is counted afterwards (not timed) and must equal the generated rows.
Prints the ratio ours / floor of the median wall times, with the bronze flow's own time (from
the pipeline events), and writes every measurement to ``benchmarks/results/ingest-<time>.json``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generate import SOURCE_FOLDER, Landing
from proctree import busy_cpu_seconds, tree_cpu_seconds
from run import REPO, bench_landing, bench_parser, save, wait_until_quiet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.spec import RunContext

TABLE = f"bronze.{SOURCE_FOLDER}"
LADDER = ("floor", "stream", "reader", "metadata", "hashed", "ours")
"""Every step, in the order each adds a step to the one before."""
KNOCKOUTS = ("ours_no_date", "ours_no_hash")
"""``ours`` without one of its per-row columns."""


def floor(spark: SparkSession, landing: Landing, out: Path, fmt: str) -> float:
    """The plain read and write; returns 0 (no flow of its own)."""
    files = str(landing.root / SOURCE_FOLDER / "*.csv")
    spark.read.option("header", True).csv(files).write.format(fmt).save(str(out))
    return 0.0


def _context(landing: Landing) -> RunContext:
    from pipelines.graph import RunContext
    from pipelines.ops.record import new_run_id

    return RunContext(run_id=new_run_id(), landing_root=landing.root.as_uri())


def _source() -> SourceConfig:
    from pipelines.config import load_config

    return load_config(REPO / "src" / "conf").select([SOURCE_FOLDER]).sources[0]


def _stream(frame: DataFrame, out: Path) -> float:
    """Write the stream ``frame`` into the Delta folder ``out`` until its input ends."""
    query = (
        frame.writeStream.format("delta")
        .option("checkpointLocation", str(out.with_name(out.name + "_checkpoint")))
        .trigger(availableNow=True)
        .start(str(out))
    )
    query.awaitTermination()
    return 0.0


def stream(spark: SparkSession, landing: Landing, out: Path) -> float:
    """The floor as a stream: the same read, every column a string, the engine's commits."""
    files = str(landing.root / SOURCE_FOLDER)
    names = [c.name for c in _source().columns]
    schema = ", ".join(f"`{n}` STRING" for n in names)
    frame = spark.readStream.option("header", True).schema(schema).csv(files)
    return _stream(frame, out)


def reader(spark: SparkSession, landing: Landing, out: Path) -> float:
    """Our CSV reader alone (the source type's stream)."""
    from pipelines.sources import read_source

    context = _context(landing)
    return _stream(read_source(spark, _source(), context), out)


def metadata(spark: SparkSession, landing: Landing, out: Path, *, hashed: bool = False) -> float:
    """Bronze's rows (``pipelines.layers.bronze``), with or without the content hash."""
    from pipelines.layers.bronze import ingested_rows

    context = _context(landing)
    rows = ingested_rows(spark, _source(), context)
    return _stream(rows if hashed else rows.drop("_content_hash"), out)


def ours(spark: SparkSession, landing: Landing, storage: Path) -> float:
    """The bronze flow through the engine; returns the flow's own seconds."""
    from pipelines.config import load_config
    from pipelines.graph import RunContext, build_graph
    from pipelines.local.runner import run_once
    from pipelines.ops.record import new_run_id

    config = load_config(REPO / "src" / "conf").select([SOURCE_FOLDER])
    context = RunContext(run_id=new_run_id(), landing_root=landing.root.as_uri())
    specs = [s for s in build_graph(config, context) if s.name == TABLE]
    tracker = run_once(spark, specs, [TABLE], storage_root=storage.as_uri(), echo=lambda _: None)
    flow = tracker.flows[TABLE]
    if flow.state != "COMPLETED":
        raise SystemExit(f"{TABLE}: {flow.state} {flow.error}")
    return flow.seconds


@contextmanager
def _without(part: str) -> Iterator[None]:
    """``ours`` with bronze's ``part`` (``date`` or ``hash``) a constant, for the duration."""
    from pyspark.sql import functions as F

    from pipelines.layers import bronze

    name = "add_ingest_metadata"  # bronze's own import of it, replaced for the duration
    add: Callable[..., DataFrame] = getattr(bronze, name)
    column, constant = {
        "date": ("_file_date", F.lit(date(2021, 4, 3))),
        "hash": ("_content_hash", F.lit("0" * 64)),
    }[part]

    def added(df: DataFrame, **kwargs: Any) -> DataFrame:
        return add(df, **kwargs).withColumn(column, constant)

    setattr(bronze, name, added)
    try:
        yield
    finally:
        setattr(bronze, name, add)


def timed(step: Callable[[], float]) -> dict[str, Any]:
    """Wall seconds of ``step``, its flow seconds, and the cores others used meanwhile."""
    busy, own, started = busy_cpu_seconds(), tree_cpu_seconds(os.getpid()), time.perf_counter()
    flow = step()
    seconds = time.perf_counter() - started
    mine = tree_cpu_seconds(os.getpid()) - own
    others = max(0.0, busy_cpu_seconds() - busy - mine) / seconds
    return {"seconds": round(seconds, 2), "flow_seconds": round(flow, 2),
            "cpu_seconds": round(mine, 1), "other_cores": round(others, 2)}  # fmt: skip


def run(args: argparse.Namespace, landing: Landing) -> list[dict[str, Any]]:
    """Every repeat of both variants, alternating; each output counted and checked."""
    from pipelines.config import load_config
    from pipelines.local.settings import Settings
    from pipelines.local.spark import local_session, stop_session, table_format

    home = args.work / "home"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home, landing.root, REPO / "src" / "conf")
    local = load_config(settings.conf).project.local
    spark = local_session(settings, local)
    fmt = table_format(spark, local)  # the floor writes what ours writes
    spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
    spark.read.text(str(landing.root / SOURCE_FOLDER)).count()  # warm-up: JVM, page cache
    out, results = home / "floor", []
    for repeat in range(1, args.repeats + 1):
        for variant in args.variants:
            wait_until_quiet(args.quiet, args.quiet_wait)
            spark.sql(f"DROP TABLE IF EXISTS {TABLE}")
            shutil.rmtree(settings.storage, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(out.with_name(out.name + "_checkpoint"), ignore_errors=True)
            if variant.startswith("ours"):
                part = variant.removeprefix("ours_no_") if variant != "ours" else None
                with _without(part) if part else nullcontext():
                    result = timed(lambda: ours(spark, landing, settings.storage))
                rows = spark.read.table(TABLE).count()
            else:
                steps: dict[str, Callable[[], float]] = {
                    "floor": partial(floor, spark, landing, out, fmt),
                    "stream": partial(stream, spark, landing, out),
                    "reader": partial(reader, spark, landing, out),
                    "metadata": partial(metadata, spark, landing, out),
                    "hashed": partial(metadata, spark, landing, out, hashed=True),
                }
                result = timed(steps[variant])
                rows = spark.read.format(fmt).load(str(out)).count()
            result |= {"variant": variant, "repeat": repeat, "rows": rows, "format": fmt}
            print(f"  #{repeat} {variant:<6} {result['seconds']:7.1f}s (flow "
                  f"{result['flow_seconds']:.1f}s) others {result['other_cores']:.2f} cores, "
                  f"{rows:,} rows", flush=True)  # fmt: skip
            if rows != landing.rows:
                print(f"  !!! ROW COUNT MISMATCH !!! {rows} rows, {landing.rows} generated")
            results.append(result)
    stop_session()
    shutil.rmtree(home, ignore_errors=True)
    return results


def summary(results: list[dict[str, Any]], landing: Landing) -> str:
    """Markdown: median and runs per variant, the ratio."""

    def runs(variant: str, key: str = "seconds") -> list[float]:
        return [float(r[key]) for r in results if r["variant"] == variant]

    lines = [
        f"\n### Bronze ingest, {landing.rows:,} rows ({landing.bytes / 1e9:.2f} GB of CSV, "
        f"{landing.days} files)\n",
        "| variant | median wall s | / floor | runs: wall s (others' cores) |",
        "|---|---:|---:|---|",
    ]
    variants = [v for v in (*LADDER, *KNOCKOUTS) if any(r["variant"] == v for r in results)]
    for variant in variants:
        raw = ", ".join(
            f"{r['seconds']:.1f} ({r['other_cores']:.2f})"
            for r in results
            if r["variant"] == variant
        )
        median = statistics.median(runs(variant))
        ratio = median / statistics.median(runs("floor"))
        lines.append(f"| {variant} | {median:.1f} | {ratio:.2f}x | {raw} |")
    ratio = statistics.median(runs("ours")) / statistics.median(runs("floor"))
    flow = statistics.median(runs("ours", "flow_seconds"))
    lines.append(f"\nours / floor: **{ratio:.2f}x** (ours' bronze flow alone: {flow:.1f} s median)")
    return "\n".join(lines)


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0], "ingest")
    parser.add_argument("--variants", nargs="+", choices=(*LADDER, *KNOCKOUTS),
                        default=["floor", "ours"],
                        help="what to run, in this order (the ratios need floor)")  # fmt: skip
    args = parser.parse_args()
    landing = bench_landing(args)
    results = run(args, landing)
    text = summary(results, landing)
    print(text)
    save(args.out, "ingest", {"landings": {args.rows: landing}, "results": results}, text)


if __name__ == "__main__":
    main()
