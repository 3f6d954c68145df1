"""A JDBC snapshot's local run: the database read once (this code) against twice (before).

    .venv/bin/python benchmarks/jdbc_snapshot.py --rows 300000 --repeats 3

Creates a table of ``--rows`` orders (eight columns) in the local PostgreSQL
(``pipelines.demo.postgres``), with the reader role's statements logged, and a config with
one source reading it as a snapshot (``type: jdbc``, no ``incremental``). One in-process
Spark session (the project's ``local:`` settings) runs a full refresh (not measured), then,
alternating the two codes, ``--repeats`` times each this sequence of runs (a row updated
before each run said to change):

- a change (warm-up, not reported), then ``every_run``: a change after a change, a table that
  changes run after run;
- ``settles``: no change after a change;
- ``quiet``: no change after no change, a table nobody writes;
- ``first_change``: a change after no change;

with ``once`` (this code, ``pipelines.sources.jdbc_snapshot``: after a change, one job reads
the database, writes the copy and digests the rows, and bronze takes the copy when they differ;
after no change, a digest of the read without a copy) and ``twice`` (the code before it, put
back in this process: a digest of a database read, and the graph reads the database again
when the rows differ).

Per run: the wall time of ``run_pipeline`` and how many times the database executed the
table's query (the server's statement log; Spark's schema probe, ``WHERE 1=0``, reads no row
and is not counted). Prints the medians and writes every run to
``benchmarks/results/jdbc_snapshot-<time>.json``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import load_config
from pipelines.config.loader import LakehouseConfig
from pipelines.demo.postgres import LocalPostgres, start_postgres
from pipelines.local.runner import run_pipeline
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.sources import jdbc_snapshot
from run import (
    add_wait_options,
    bare_conf,
    medians_by_code,
    save,
    timed_snapshot_run,
    wait_until_quiet,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from pipelines.config.model import SourceConfig
    from pipelines.spec import RunContext

TABLE = """
CREATE TABLE orders (
  order_id integer PRIMARY KEY, customer_id integer NOT NULL, amount numeric(10,2),
  status text, channel text, placed date, note text, updated_at timestamp NOT NULL);
INSERT INTO orders
SELECT n, n % 5000, n * 0.25, (ARRAY['open','paid','shipped'])[1 + n % 3],
       (ARRAY['web','store'])[1 + n % 2], DATE '2020-01-01' + n % 2000, 'order ' || n,
       TIMESTAMP '2026-01-01' + n * INTERVAL '1 second'
FROM generate_series(1, {rows}) AS n;
"""
SOURCE = """name: orders
description: Orders of the shop's database, read whole each run.
owner: data_engineers
source:
  type: jdbc
  url: {secret: shop/url}
  table: public.orders
  user: {secret: shop/user}
  password: {secret: shop/password}
columns:
  - {name: order_id, type: int, nullable: false}
  - {name: customer_id, type: int}
  - {name: amount, type: 'decimal(10,2)'}
  - {name: status}
  - {name: channel}
  - {name: placed, type: date}
  - {name: note}
  - {name: updated_at, type: timestamp}
silver:
  dedupe: {key: [order_id], keep: latest}
"""
QUERY = "FROM public.orders"
SEQUENCE = (
    (True, "warm-up"),
    (True, "every_run"),
    (False, "settles"),
    (False, "quiet"),
    (True, "first_change"),
)
"""Each code's runs in a repeat: (a row changed first?, what the run measures)."""
KINDS = ("every_run", "settles", "quiet", "first_change")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/jdbc_snapshot"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    return parser


_NOT_A_READ = re.compile(r"1=0|execute fetch from")
"""Spark's schema probe (reads no row) and the next batch of rows of a query being read."""


def _reads(server: LocalPostgres) -> int:
    """The table's query executions so far, from the statement log."""
    log = (server.root / "log").read_text(encoding="utf-8", errors="replace")
    return sum(QUERY in line and not _NOT_A_READ.search(line) for line in log.splitlines())


@contextmanager
def _before() -> Iterator[None]:
    """The code before ``jdbc_snapshot``: the comparison reads the database, the graph again."""
    from pipelines.layers.bronze import ingested_rows
    from pipelines.layers.snapshot import digest

    def compare(spark: SparkSession, config: SourceConfig, context: RunContext) -> bool:
        if not spark.catalog.tableExists(config.bronze_table):
            return False
        fresh = digest(ingested_rows(spark, config, context))  # the database read
        return fresh == digest(spark.read.table(config.bronze_table))

    def nothing_staged(
        spark: SparkSession, config: SourceConfig, context: RunContext
    ) -> DataFrame | None:
        return None

    once, staged = jdbc_snapshot.read_snapshot_once, jdbc_snapshot.staged_snapshot
    jdbc_snapshot.read_snapshot_once, jdbc_snapshot.staged_snapshot = compare, nothing_staged
    try:
        yield
    finally:
        jdbc_snapshot.read_snapshot_once, jdbc_snapshot.staged_snapshot = once, staged


def main() -> None:
    args = _parser().parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    conf = bare_conf(args.work)
    (conf / "sources" / "orders.yml").write_text(SOURCE)
    config = load_config(conf)
    server = start_postgres()
    try:
        password = secrets.token_urlsafe(12)
        server.psql(f"CREATE ROLE reader LOGIN PASSWORD '{password}'; CREATE DATABASE shop;")
        server.psql(
            TABLE.replace("{rows}", str(args.rows)) + "GRANT SELECT ON orders TO reader;", "shop"
        )
        server.psql("ALTER ROLE reader SET log_statement = 'all';")
        os.environ.update({
            "LAKEHOUSE_SECRET_SHOP_URL": server.jdbc_url("shop"),
            "LAKEHOUSE_SECRET_SHOP_USER": "reader",
            "LAKEHOUSE_SECRET_SHOP_PASSWORD": password,
        })  # fmt: skip
        runs = _measure(args, config, server)
    finally:
        stop_session()
        server.stop()
    _report(args, runs)


def _measure(
    args: argparse.Namespace, config: LakehouseConfig, server: LocalPostgres
) -> list[dict[str, Any]]:
    home = args.work / "home"
    settings = Settings(home, home / "landing", args.work / "conf")
    spark = local_session(settings, config.project.local)
    roots = {"landing_root": settings.landing.as_uri(), "storage_root": (home / "storage").as_uri()}
    run_pipeline(config, spark, full_refresh=True, echo=lambda _line: None, **roots)
    runs: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        # alternated, so that neither code always runs on the JVM the other warmed
        for code in ("once", "twice") if repeat % 2 == 0 else ("twice", "once"):
            for changed, kind in SEQUENCE:
                waited = wait_until_quiet(args.quiet, args.quiet_wait)
                if changed:
                    bump = len(runs) + 1
                    server.psql(f"UPDATE orders SET amount = amount + 1 WHERE order_id = {bump};", "shop")  # fmt: skip # noqa: E501
                reads = _reads(server)
                before = _before() if code == "twice" else nullcontext()
                seconds = timed_snapshot_run(
                    config, spark, roots, before, changed=changed, label=f"{kind}/{code}"
                )
                run = {"repeat": repeat, "kind": kind, "code": code, "seconds": round(seconds, 2),
                       "reads": _reads(server) - reads, "waited": round(waited, 1)}  # fmt: skip
                print(f"  {kind:12} {code:5} {seconds:6.2f} s  {run['reads']} read(s)", flush=True)
                runs.append(run)
    return runs


def _report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    lines = [f"JDBC snapshot of {args.rows:,} rows, median of {args.repeats}:"]
    summary = "\n".join(lines + medians_by_code(runs, KINDS, "reads", "database reads"))
    print(summary)
    save(args.out, "jdbc_snapshot", {"rows": args.rows, "runs": runs}, summary)


if __name__ == "__main__":
    main()
