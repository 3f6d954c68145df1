"""The cost of a run with nothing new against a full run, on the demo's whole landing zone.

    .venv/bin/python benchmarks/nothing_new.py --repeats 3

Every shipped source, served as ``lakehouse demo`` serves them: this process generates the
demo's landing zone under ``--work`` and keeps the demo's servers up for the whole benchmark
(the rates API, PostgreSQL with the CRM table, a Kafka broker holding the booking events), with
their secrets and random PII keys in the environment the runs inherit. Then one warm-up
``lakehouse run --full-refresh`` (not measured: it creates the home's metastore and tables), and
per repeat, each a fresh ``lakehouse run --profile`` process on the same ``LAKEHOUSE_HOME``,
measured as ``run.py`` measures its runs (wall time around the process, the JVM included):

1. ``full``: ``--full-refresh``: every dataset recomputed, every extract, API page and
   message read again;
2. ``nothing_new``: a plain run right after: no file, row or message is new, so every
   dataset must be left as it is (``pipelines.ops.up_to_date``), saying so per source; a run
   that recomputes any dataset, or does not exit 0, is a failed measurement.

Prints the median of each and the ratio, and writes every measurement, with the profile's steps,
to ``benchmarks/results/nothing_new-<time>.json``.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import statistics
import sys
from dataclasses import asdict
from pathlib import Path

from pipelines.config import load_config
from pipelines.config.model import LocalSettings
from pipelines.demo import generate_catalog, generate_customers, generate_hotel, generate_orders_cdc
from pipelines.demo.servers import demo_servers
from pipelines.local.settings import Settings
from pipelines.local.spark import start_local_session, stop_session
from run import (
    REPO,
    UP_TO_DATE_LINE,
    VENV_BIN,
    Job,
    Measurement,
    add_wait_options,
    measure,
    parse_profile,
    save,
    wait_until_quiet,
)

CONF = REPO / "src" / "conf"
KINDS = ("full", "nothing_new")
_COMPLETED = re.compile(r"^  ok \S+\s+completed\s+[\d.]+s$", re.MULTILINE)


def _parse(stdout: str) -> tuple[dict[str, int], dict[str, float], str]:
    """The profile's steps, and how many datasets were left up to date or recomputed."""
    counts = {
        "up_to_date_lines": len(UP_TO_DATE_LINE.findall(stdout)),
        "completed_flows": len(_COMPLETED.findall(stdout)),
    }
    return counts, parse_profile(stdout), ""


def _job(home: Path, landing: Path, kind: str) -> Job:
    env = {
        "LAKEHOUSE_HOME": str(home),
        "LAKEHOUSE_LANDING": str(landing),
        "LAKEHOUSE_CONF": str(CONF),
    }
    command = [str(VENV_BIN / "lakehouse"), "run", "--profile"]
    if kind == "full":
        command.append("--full-refresh")
    return Job("ours", home, command, env, _parse)


def _landing(work: Path, days: int, rows_per_day: int) -> tuple[Path, tuple[tuple[str, ...], ...]]:
    """The demo's landing zone (as ``lakehouse demo`` generates it); the CRM's people."""
    landing = work / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    generate_catalog(landing / "product_catalog", rows_per_day=rows_per_day, days=days)
    generate_hotel(landing / "hotel")
    people = generate_customers(landing / "customer_feed", days=days).people
    generate_orders_cdc(landing / "orders_cdc")
    return landing, people


def _check(result: Measurement, kind: str, sources: int) -> None:
    """A nothing-new run recomputes nothing and says so per source; a full run recomputes."""
    if not result.ok:
        return
    if kind == "nothing_new" and result.counts["completed_flows"]:
        result.error = f"{result.counts['completed_flows']} datasets were recomputed"
    elif kind == "nothing_new" and result.counts["up_to_date_lines"] < sources:
        result.error = f"{result.counts['up_to_date_lines']} up-to-date lines for {sources} sources"
    elif kind == "full" and result.counts["up_to_date_lines"]:
        result.error = "a full refresh left datasets up to date"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--days", type=int, default=3, help="as lakehouse demo (default 3)")
    parser.add_argument("--rows-per-day", type=int, default=400, help="as lakehouse demo")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/nothing_new"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    args = parser.parse_args()
    work = args.work.resolve()
    landing, people = _landing(work, args.days, args.rows_per_day)
    sources = len(load_config(CONF).sources)
    for name in ("TOKEN_KEY", "ENCRYPTION_KEY"):  # random, as the tests' (never shipped)
        os.environ[f"LAKEHOUSE_SECRET_PII_{name}"] = base64.b64encode(
            secrets.token_bytes(32)
        ).decode()
    # The Kafka broker produces its messages through a Spark session of this process's own.
    producer_home = work / "producer"
    shutil.rmtree(producer_home, ignore_errors=True)
    producer = start_local_session(
        Settings(producer_home, landing, CONF), LocalSettings(shuffle_partitions=2)
    )
    home, results = work / "home", []
    with demo_servers(people=people, spark=producer.session, echo=lambda _line: None):
        stop_session()  # the messages are in; its JVM would only take memory from the runs
        os.environ.pop("SPARK_CONNECT_AUTHENTICATE_TOKEN", None)  # its server's, not the runs'
        warm_up = measure(_job(home, landing, "full"), 0, 0, "warm-up", 1800, fresh=True)
        if not warm_up.ok:
            sys.exit(f"the warm-up run failed: {warm_up.error} (log: {home.parent}/home.log)")
        for repeat in range(1, args.repeats + 1):
            for kind in KINDS:
                wait_until_quiet(args.quiet, args.quiet_wait)
                result = measure(_job(home, landing, kind), 0, repeat, kind, 1800, fresh=False)
                _check(result, kind, sources)
                log = home.parent / "home.log"  # measure() writes each run's output here
                shutil.copy(log, home.parent / f"run-{repeat}-{kind}.log")
                state = "ok" if result.ok else f"FAILED: {result.error}"
                print(f"  #{repeat} {kind:<12} {result.seconds:7.1f}s cpu "
                      f"{result.cpu_seconds:6.1f}s others {result.other_cores:.2f} cores  "
                      f"{state}", flush=True)  # fmt: skip
                results.append(result)
    medians = {
        kind: statistics.median(r.seconds for r in results if r.settings == kind and r.ok)
        for kind in KINDS
    }
    summary = (
        f"full {medians['full']:.1f} s, nothing new {medians['nothing_new']:.1f} s: "
        f"{medians['nothing_new'] / medians['full']:.2f}x (median of {args.repeats})"
    )
    print(summary)
    save(args.out, "nothing_new", {"runs": [asdict(r) for r in results]}, summary)


if __name__ == "__main__":
    main()
