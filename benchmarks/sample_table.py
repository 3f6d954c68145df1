"""What ``lakehouse new-source --from DRAFT.yml`` costs for a database table, against the
database's own client, on the local PostgreSQL (``pipelines.demo.postgres``).

    .venv/bin/python benchmarks/sample_table.py --rows 1000 10000 --repeats 5

Creates a 100,000-row table of ten columns (ints, text, a decimal, a date, a timestamp, a
boolean, JSON), then alternates, ``--repeats`` times for each ``--rows``:

- ``psql``: the floor, ``SELECT * FROM members LIMIT n`` printed by psql (a process of its own,
  as the command is one);
- ``sample``: ``pipelines.local.jdbc_sample.sample_table`` in this process: a JVM started with
  the JDBC jars (py4j), the driver loaded, the rows and the metadata read, the JVM stopped;
- ``new_source``: the whole ``lakehouse new-source`` command in a process of its own (Python's
  start and imports, the sample, the inference, the config written and validated).

Prints the median of each and writes every time to
``benchmarks/results/sample_table-<time>.json``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.config.jdbc import JdbcSource
from pipelines.demo.postgres import LocalPostgres, start_postgres
from pipelines.local.jdbc_sample import sample_table
from pipelines.platform import platform_for
from run import add_wait_options, bare_conf, save, wait_until_quiet

TABLE = """
CREATE TABLE members (
  member_id integer PRIMARY KEY, full_name text NOT NULL, email text, country text,
  balance numeric(10,2), vip boolean, born date, notes jsonb, visits integer,
  updated_at timestamp NOT NULL);
INSERT INTO members
SELECT n, 'Member ' || n, 'm' || n || '@example.org', (ARRAY['PT','FR','DE'])[1 + n % 3],
       n * 0.25, n % 2 = 0, DATE '1950-01-01' + n % 20000, '{"tier": "gold"}', n % 40,
       TIMESTAMP '2026-01-01' + n * INTERVAL '1 second'
FROM generate_series(1, 100000) AS n;
"""
DRAFT = """source:
  type: jdbc
  url: {secret: bench/url}
  table: public.members
  user: {secret: bench/user}
  password: {secret: bench/password}
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/sample_table"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    return parser


def main() -> None:
    args = _parser().parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    conf = bare_conf(args.work)
    draft = args.work / "members.yml"
    draft.write_text(DRAFT)
    server = start_postgres()
    try:
        password = secrets.token_urlsafe(12)
        server.psql(f"CREATE ROLE bench LOGIN PASSWORD '{password}'; CREATE DATABASE bench;")
        server.psql(TABLE + "GRANT SELECT ON members TO bench;", "bench")
        os.environ |= {
            "LAKEHOUSE_SECRET_BENCH_URL": server.jdbc_url("bench"),
            "LAKEHOUSE_SECRET_BENCH_USER": "bench",
            "LAKEHOUSE_SECRET_BENCH_PASSWORD": password,
            "LAKEHOUSE_CONF": str(conf),
        }
        times: dict[str, dict[str, list[float]]] = {}
        for rows in args.rows:
            variants = _variants(server, conf, draft, rows)
            times[str(rows)] = {name: [] for name in variants}
            for repeat in range(args.repeats):
                for name, variant in variants.items():
                    wait_until_quiet(args.quiet, args.quiet_wait)
                    began = time.perf_counter()
                    variant()
                    seconds = time.perf_counter() - began
                    times[str(rows)][name].append(seconds)
                    print(f"  {rows:>7,} rows {repeat + 1}/{args.repeats} {name:10} {seconds:6.2f}s", flush=True)  # fmt: skip # noqa: E501
    finally:
        server.stop()
    lines = []
    for rows, by_variant in times.items():
        medians = {name: statistics.median(values) for name, values in by_variant.items()}
        floor = medians["psql"]
        lines += [
            f"{int(rows):>7,} rows {name:10} {m:6.2f}s median  {m / floor:5.1f}x psql"
            for name, m in medians.items()
        ]
    summary = "\n".join(lines)
    print(summary)
    save(args.out, "sample_table", {"rows": args.rows, "times": times}, summary)


def _variants(
    server: LocalPostgres, conf: Path, draft: Path, rows: int
) -> dict[str, Callable[[], None]]:
    source = JdbcSource.model_validate(
        {
            "type": "jdbc", "url": {"secret": "bench/url"}, "table": "public.members",
            "user": {"secret": "bench/user"}, "password": {"secret": "bench/password"},
        }
    )  # fmt: skip
    lakehouse = str(Path(sys.executable).with_name("lakehouse"))

    def psql() -> None:
        out = server.psql(f"SELECT * FROM members LIMIT {rows + 1};", "bench")
        assert len(out.strip().splitlines()) == rows + 1, out[-200:]

    def sample() -> None:
        found = sample_table(source, platform_for("local"), rows)
        assert len(found.records) == rows

    def new_source() -> None:
        target = conf / "sources" / "members.yml"
        target.unlink(missing_ok=True)
        command = [lakehouse, "new-source", "members", "--from", str(draft), "--rows", str(rows)]
        subprocess.run(command, check=True, capture_output=True)
        assert target.is_file()

    return {"psql": psql, "sample": sample, "new_source": new_source}


if __name__ == "__main__":
    main()
