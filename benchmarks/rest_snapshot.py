"""A changed REST snapshot's local run: the API fetched once (this code) against twice (before).

    .venv/bin/python benchmarks/rest_snapshot.py --records 20000 --repeats 3

Serves ``--records`` room rates from the demo's API server (``pipelines.demo.api``, pages of
``--page-size``) and a config with one REST source reading them as a snapshot. One in-process
Spark session (the project's ``local:`` settings) runs a full refresh (not measured), then,
alternating the two codes, ``--repeats`` times each: a run after one record's price changed
(the first of each code's turn is a warm-up, not reported), and a run with nothing changed.

- ``once`` (this code, ``pipelines.sources.record_snapshot``): the comparison before the run
  fetches every page in the driver; when the records differ, those rows are written to Parquet
  as the run's copy and the graph reads the copy.
- ``twice`` (the code before it, put back in this process): the same comparison, then the
  graph's data source fetches every page again.

Per run: the wall time of ``run_pipeline`` and the pages the server served. The API answers
from memory on this machine, so a fetch here is as cheap as a fetch can be: against a real
API (a network, a rate limit: ``--rate-limit``) the second fetch costs more, and the copy the
same. Prints the medians and writes every run to ``benchmarks/results/rest_snapshot-<time>.json``.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import load_config
from pipelines.demo.api import DemoApi, demo_api, rate_records
from pipelines.local.runner import run_pipeline
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.sources import record_snapshot
from run import (
    add_wait_options,
    bare_conf,
    medians_by_code,
    save,
    timed_snapshot_run,
    wait_until_quiet,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

    from pipelines.config.model import SourceConfig
    from pipelines.spec import RunContext

SOURCE = """name: rates
description: Room rates of the hotels' API, read whole each run.
owner: data_engineers
source:
  type: rest
  url: {url}
  records_path: data.items
  pagination: {{style: page, size_param: size, size: {size}}}{limit}
columns:
  - {{name: rate_id, type: int, nullable: false}}
  - {{name: hotel}}
  - {{name: room_type}}
  - {{name: price, type: double}}
  - {{name: currency}}
  - {{name: valid_from, type: date}}
silver:
  dedupe: {{key: [rate_id], keep: latest}}
"""
SEQUENCE = ((True, "warm-up"), (True, "changed"), (False, "unchanged"))
KINDS = ("changed", "unchanged")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    limit = "the source's rate_limit_per_second (0: none), as an API imposes"
    parser.add_argument("--rate-limit", type=float, default=0, metavar="PAGES_PER_S", help=limit)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/rest_snapshot"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    return parser


@contextmanager
def _before() -> Iterator[None]:
    """The code before the copy: the comparison fetches (no copy), the graph fetches again."""
    once = record_snapshot.read_records_once

    def compare_only(
        spark: SparkSession, config: SourceConfig, context: RunContext,
        fresh: record_snapshot.Rows, schema: StructType,
    ) -> bool:  # fmt: skip
        table = f"bronze_pii.{config.name}" if config.has_pii else config.bronze_table
        if not spark.catalog.tableExists(table):
            return False
        records = [row[len(config.columns)] for row in fresh()]
        return record_snapshot._same_records(spark, table, records)

    record_snapshot.read_records_once = compare_only
    try:
        yield
    finally:
        record_snapshot.read_records_once = once


def main() -> None:
    args = _parser().parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    conf = bare_conf(args.work)
    with demo_api(rate_records(args.records)) as api:
        url = f"{api.base_url}/rates/page"
        limit = f"\n  rate_limit_per_second: {args.rate_limit}" if args.rate_limit else ""
        text = SOURCE.format(url=url, size=args.page_size, limit=limit)
        (conf / "sources" / "rates.yml").write_text(text)
        runs = _measure(args, load_config(conf), api)
    _report(args, runs)


def _measure(args: argparse.Namespace, config: Any, api: DemoApi) -> list[dict[str, Any]]:
    home = args.work / "home"
    settings = Settings(home, home / "landing", args.work / "conf")
    spark = local_session(settings, config.project.local)
    roots = {"landing_root": settings.landing.as_uri(), "storage_root": (home / "storage").as_uri()}
    runs: list[dict[str, Any]] = []
    try:
        run_pipeline(config, spark, full_refresh=True, echo=lambda _line: None, **roots)
        for repeat in range(args.repeats):
            for code in ("once", "twice") if repeat % 2 == 0 else ("twice", "once"):
                for changed, kind in SEQUENCE:
                    waited = wait_until_quiet(args.quiet, args.quiet_wait)
                    if changed:
                        api.records[0] = dict(api.records[0], price=api.records[0]["price"] + 1)
                    pages = api.hits["/rates/page"]
                    before = _before() if code == "twice" else nullcontext()
                    seconds = timed_snapshot_run(
                        config, spark, roots, before, changed=changed, label=f"{kind}/{code}"
                    )
                    served = api.hits["/rates/page"] - pages
                    runs.append({"repeat": repeat, "kind": kind, "code": code,
                                 "seconds": round(seconds, 2), "pages": served,
                                 "waited": round(waited, 1)})  # fmt: skip
                    print(f"  {kind:10} {code:5} {seconds:6.2f} s  {served} page(s)", flush=True)
    finally:
        stop_session()
    return runs


def _report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    limit = f", at most {args.rate_limit:g} pages/s" if args.rate_limit else ""
    lines = [f"REST snapshot of {args.records:,} records{limit}, median of {args.repeats}:"]
    summary = "\n".join(lines + medians_by_code(runs, KINDS, "pages", "pages served"))
    print(summary)
    document = {"records": args.records, "rate_limit": args.rate_limit, "runs": runs}
    save(args.out, "rest_snapshot", document, summary)


if __name__ == "__main__":
    main()
