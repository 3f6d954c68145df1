"""What each run of a small graph costs on a server that is up, as the tests and a kept server
run them: the per-run overhead, not the data's.

    .venv/bin/python benchmarks/warm_runs.py --rows 150 --runs 10

In one process, on a fresh ``LAKEHOUSE_HOME`` under ``--work``: the catalog generated at
``--rows`` rows a day over ``--days`` files, the local server started once (the project's
``local`` settings, or with ``--tests-engine`` the test suite's), then ``run_pipeline`` on the
catalog alone: a full refresh (the server's first run: its JVM still cold), then ``--runs``
runs alternating a run with nothing new and a full refresh. Every full refresh must leave the
same silver count. Prints each run's time, the medians of the warm full refreshes and of the
runs with nothing new, and writes every run with the runner's steps (``--profile``'s) to
``benchmarks/results/warm_runs-<time>.json``. Session 24 measured the metastore served in the
server's JVM this way (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pipelines.config import load_config
from pipelines.config.model import LocalSettings
from pipelines.demo import generate_catalog
from pipelines.local.runner import run_pipeline
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.profile import Profile
from run import REPO, add_wait_options, save, wait_until_quiet

CONF = REPO / "src" / "conf"
SOURCE = "product_catalog"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150, help="catalog rows a day")
    parser.add_argument("--days", type=int, default=2, help="daily files (default 2)")
    parser.add_argument("--runs", type=int, default=10, help="after the first (default 10)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/warm_runs"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    parser.add_argument(
        "--tests-engine", action="store_true",
        help="the test suite's engine settings and JVM options (tests/conftest.py)",
    )  # fmt: skip
    add_wait_options(parser)
    return parser


def main() -> None:
    args = _parser().parse_args()
    home = args.work / "home"
    shutil.rmtree(home, ignore_errors=True)
    landing = home / "landing"
    generate_catalog(landing / SOURCE, rows_per_day=args.rows, days=args.days)
    for name in ("TOKEN_KEY", "ENCRYPTION_KEY"):  # the PII keys a local run reads
        key = f"LAKEHOUSE_SECRET_PII_{name}"
        os.environ.setdefault(key, base64.b64encode(secrets.token_bytes(32)).decode())
    config = load_config(CONF)
    local = config.project.local
    if args.tests_engine:  # as the suite's session fixture starts its server
        sys.path.insert(0, str(REPO))
        from tests.conftest import TEST_ENGINE_ARGS, TEST_JVM

        os.environ["PYSPARK_SUBMIT_ARGS"] = TEST_ENGINE_ARGS
        os.environ.setdefault("LAKEHOUSE_JVM_CACHE", "read")
        local = LocalSettings(shuffle_partitions=2, driver_memory="2g", java_options=TEST_JVM)
    spark = local_session(Settings(home, landing, CONF), local)
    only = config.select([SOURCE])
    runs: list[dict[str, Any]] = []
    silver: set[int] = set()
    try:
        for index in range(args.runs + 1):
            full = index % 2 == 0
            wait_until_quiet(args.quiet, args.quiet_wait)
            profile = Profile()
            started = time.perf_counter()
            run_pipeline(
                only, spark, landing_root=landing.as_uri(),
                storage_root=(home / "pipeline_storage").as_uri(), full_refresh=full,
                echo=lambda _line: None, profile=profile,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            steps = {name: round(s, 2) for depth, name, s in profile.steps if depth <= 1}
            kind = "first" if index == 0 else "full" if full else "nothing_new"
            runs.append({"kind": kind, "seconds": round(seconds, 2), "steps": steps})
            if full:
                silver.add(spark.read.table(f"silver.{SOURCE}").count())
            print(f"{index + 1:>3} {kind:<12} {seconds:6.2f}s", flush=True)
    finally:
        stop_session()
    if len(silver) != 1:
        raise SystemExit(f"the full refreshes left different silver counts: {sorted(silver)}")

    def median(kind: str) -> float:
        return float(statistics.median(r["seconds"] for r in runs if r["kind"] == kind))

    total = sum(r["seconds"] for r in runs)
    summary = (
        f"{SOURCE}, {args.rows} rows a day over {args.days} files, {silver.pop()} silver rows: "
        f"first run {runs[0]['seconds']:.2f}s, warm full refresh median {median('full'):.2f}s, "
        f"nothing new median {median('nothing_new'):.2f}s, all {total:.1f}s"
    )
    print(summary)
    save(args.out, "warm_runs", {"rows": args.rows, "days": args.days, "runs": runs}, summary)


if __name__ == "__main__":
    main()
