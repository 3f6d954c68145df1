"""Finding an increment's new bronze rows after a first load, with and without the run that
ingested ``through`` (``pipelines.local.new_rows``).

    .venv/bin/python benchmarks/new_rows.py --files 365 1095 --repeats 5

For each ``--files``: a bronze-shaped Delta table whose first load wrote ``--files`` files in
one batch (one ``_ingested_at``, one ``_run_id``, ``--rows`` rows each), then a day's file by
another run. Times, alternating in one Spark session with the project's ``local:`` settings:

* ``rows_after`` as a state without the run calls it (the exact condition's summary, which
  reads every file at ``through``), and with the run (the newer files alone), each read to
  the end as the increment does (its summary, then its rows counted);
* the refresh's ``newest_ingest`` against the plain ``max(_ingested_at)`` scan, over the table
  after the day's file: what a recompute after increments records. (After a first load alone
  every file is in the newest millisecond, and both read them all.)

Both variants must find the same rows. Writes ``benchmarks/results/new_rows-<time>.json``.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pipelines.local.new_rows import newest_ingest, rows_after
from pipelines.local.spark import stop_session
from run import add_wait_options, bare_session, save, seconds, wait_until_quiet

_LOAD, _DAY = "20261201T000000Z-aaaaaa", "20261202T000000Z-bbbbbb"
_PLAIN = "SELECT CAST(max(_ingested_at) AS STRING), max_by(_run_id, _ingested_at) FROM {table}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[365, 1095])
    parser.add_argument("--rows", type=int, default=2000, help="rows per file")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-new-rows"))
    parser.add_argument("--out", type=Path, default=None)
    add_wait_options(parser)
    return parser


def _batch(spark: Any, files: int, rows: int, run: str, start: int) -> Any:
    return (
        spark.range(start, start + files * rows)
        .selectExpr(
            "id", "date_add(DATE'2024-01-01', CAST(id DIV " + str(rows) + " AS INT)) AS _file_date",
            "current_timestamp() AS _ingested_at", f"'{run}' AS _run_id",
            "repeat(md5(CAST(id AS STRING)), 3) AS payload",
        )
        .repartition(files, "_file_date")
    )  # fmt: skip


def _collect(spark: Any, query: str) -> None:
    spark.sql(query).collect()


def main() -> None:
    args = _parser().parse_args()
    spark = bare_session(args.work)
    results: list[dict[str, Any]] = []
    try:
        spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
        for files in args.files:
            table = f"bronze.load_{files}"
            _batch(spark, files, args.rows, _LOAD, 0).writeTo(table).using("delta").create()
            first = newest_ingest(spark, table)
            assert first is not None
            assert first[1] == _LOAD
            through = first[0]
            _batch(spark, 1, args.rows, _DAY, files * args.rows).writeTo(table).append()
            bronze = spark.read.table(table)

            def found(run: str, t: str = through, b: Any = bronze) -> tuple[int, int]:
                new, seen = rows_after(b, t, _DAY, run)
                return seen["rows"], new.count()

            assert found("") == found(_LOAD) == (args.rows, args.rows)
            wait_until_quiet(args.quiet, args.quiet_wait)
            timings: dict[str, list[float]] = {}
            variants: dict[str, Callable[[], Any]] = {
                "rows_after, run not known": lambda: found(""),
                "rows_after, run known": lambda: found(_LOAD),
                "plain max": partial(_collect, spark, _PLAIN.format(table=table)),
                "newest_ingest": partial(newest_ingest, spark, table),
            }
            for _ in range(args.repeats):  # alternating
                for name, action in variants.items():
                    timings.setdefault(name, []).append(seconds(action))
            result = {"files": files, "rows": args.rows, "seconds": timings}
            results.append(result)
            print(
                f"{files:>5} files: "
                + ", ".join(f"{n} {statistics.median(t):.3f} s" for n, t in timings.items()),
                flush=True,
            )
    finally:
        stop_session()
    summary = "; ".join(
        f"{r['files']} files: "
        + ", ".join(f"{n} {statistics.median(t):.3f} s" for n, t in r["seconds"].items())
        for r in results
    )
    save(args.out, "new_rows", {"runs": results}, summary)


if __name__ == "__main__":
    main()
