"""Where a Kafka stream stopped, before a local run: bronze's offsets (before) against the
stream's checkpoint (now).

    .venv/bin/python benchmarks/kafka_probe.py --rows 1000000 10000000 --repeats 5

The check for new messages before a run (``pipelines.sources.streams.no_new_messages``) asks
the broker for one message past where the stream stopped. Before, where it stopped came from
the stream's bronze table, ``SELECT _kafka_partition, max(_kafka_offset) ... GROUP BY 1``, a
scan of two columns of every message ever read; now from the last committed batch's offset
log in the checkpoint (``pipelines.sources.checkpoints.committed_offsets``). The broker's
read is the same either way and is not measured.

For each ``--rows``: a Delta table shaped like a Kafka bronze table (three partitions; a
200-byte value beside the offsets) and a checkpoint folder as the engine writes it. Times the
query (its first run in the JVM, then the median of ``--repeats``) and the checkpoint's read
(median of ``--repeats``), in one Spark session with the project's ``local:`` settings.
Writes ``benchmarks/results/kafka_probe-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from pipelines.local.spark import stop_session
from pipelines.sources.checkpoints import committed_offsets
from run import add_wait_options, bare_session, save, seconds, wait_until_quiet

PARTITIONS = 3
QUERY = "SELECT _kafka_partition, max(_kafka_offset) FROM {table} GROUP BY 1"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-kafka-probe"))
    parser.add_argument("--out", type=Path, default=None)
    add_wait_options(parser)
    return parser


def _checkpoint(storage: Path, table: str, ends: dict[str, int]) -> None:
    """A Kafka stream's checkpoint of one committed batch, as the local engine lays it out."""
    schema, name = table.split(".")
    run = storage / "_checkpoints" / "spark_catalog" / schema / name / "flow" / "0"
    (run / "offsets").mkdir(parents=True)
    (run / "commits").mkdir()
    metadata = {"batchWatermarkMs": 0, "batchTimestampMs": 0, "conf": {}}
    (run / "offsets" / "0").write_text(f"v1\n{json.dumps(metadata)}\n{json.dumps({'t': ends})}")
    (run / "commits" / "0").write_text('v1\n{"nextBatchWatermarkMs":0}')


def main() -> None:
    args = _parser().parse_args()
    spark = bare_session(args.work)
    storage = args.work / "home" / "storage"
    results: list[dict[str, Any]] = []
    try:
        spark.sql("CREATE DATABASE IF NOT EXISTS bronze")
        for rows in args.rows:
            table = f"bronze.events_{rows}"
            spark.range(rows).selectExpr(
                f"CAST(id % {PARTITIONS} AS INT) AS _kafka_partition",
                f"id DIV {PARTITIONS} AS _kafka_offset",
                "repeat(md5(CAST(id AS STRING)), 6) AS value",
            ).write.format("delta").saveAsTable(table)
            ends = {str(p): (rows - p + PARTITIONS - 1) // PARTITIONS for p in range(PARTITIONS)}
            _checkpoint(storage, table, ends)
            assert committed_offsets(storage.as_uri(), table) == {"t": ends}
            wait_until_quiet(args.quiet, args.quiet_wait)
            query = QUERY.format(table=table)
            first = seconds(lambda q=query: spark.sql(q).collect())
            warm = [seconds(lambda q=query: spark.sql(q).collect()) for _ in range(args.repeats)]
            read = [
                seconds(lambda t=table: committed_offsets(storage.as_uri(), t))
                for _ in range(args.repeats)
            ]
            found = {str(p): m + 1 for p, m in spark.sql(query).collect()}
            assert found == ends, (found, ends)  # the two say the same
            results.append({
                "rows": rows, "query_first_s": first, "query_s": warm, "checkpoint_s": read,
            })  # fmt: skip
            print(
                f"{rows:>11,} rows: bronze's offsets {first:.2f} s first, "
                f"{statistics.median(warm):.2f} s warm; "
                f"checkpoint {statistics.median(read) * 1000:.2f} ms",
                flush=True,
            )
    finally:
        stop_session()
    summary = "; ".join(
        f"{r['rows']:,}: query {r['query_first_s']:.2f}/{statistics.median(r['query_s']):.2f} s, "
        f"checkpoint {statistics.median(r['checkpoint_s']) * 1000:.2f} ms"
        for r in results
    )
    save(args.out, "kafka_probe", {"runs": results}, summary)


if __name__ == "__main__":
    main()
