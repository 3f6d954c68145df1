"""What reading a MongoDB collection through the ``mongodb`` source type costs, against the
driver alone, on the local MongoDB-compatible server (``pipelines.demo.mongo``).

    .venv/bin/python benchmarks/mongo_read.py --documents 200000 --repeats 5

Inserts ``--documents`` guest-profile documents (nested loyalty block, an array, a date), then
alternates, ``--repeats`` times each:

- ``pymongo``: the floor, ``find()`` in ``_id`` order and every document decoded (a list);
- ``rows``: the same read turned into bronze rows by the reader's own code (fields as text,
  the document as relaxed extended JSON), in this process, without Spark;
- ``spark``: ``spark.read.format("lakehouse_mongodb")`` through the local Spark (its Python
  worker reads, Arrow carries the rows to the JVM), counted (the data source prunes no
  column: each row crosses whole);
- ``spark_2``: the same with ``partitions: 2`` (two ``_id`` ranges, two Python workers);
- ``stream`` and ``stream_2``: the source as ``mode: stream`` (by ``_id``), its first run: one
  micro-batch of every document (``trigger(availableNow=True)`` into Spark's ``noop`` sink,
  a fresh checkpoint each time), in one partition and in two ``_id`` ranges of the batch.

Prints the median of each and writes every time to ``benchmarks/results/mongo_read-<time>.json``.
The server is mongo-java-server, not MongoDB: the ``pymongo`` floor is its speed as much as the
driver's, so compare the three with each other, not with a real cluster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.config import load_config
from pipelines.demo.mongo import LocalMongo, start_mongo
from pipelines.local.settings import Settings
from pipelines.local.spark import local_session, stop_session
from pipelines.platform import platform_for
from pipelines.sources.mongodb import read_mongo, register_mongo
from pipelines.sources.mongodb.datasource import document_row, read_documents
from run import REPO, add_wait_options, save, wait_until_quiet

CONF = REPO / "src" / "conf"
SECRET = "LAKEHOUSE_SECRET_GUEST_APP_MONGO_URI"
SOURCE = """name: guest_profiles
description: Benchmark documents.
owner: data_engineers
source:
  type: mongodb
  uri: {secret: guest_app/mongo_uri}
  database: bench
  collection: profiles
columns:
  - {name: guest_id, type: bigint}
  - {name: full_name}
  - {name: country}
  - {name: loyalty}
  - {name: preferences}
  - {name: updated_at, type: timestamp}
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", nargs="+", default=None, help="a subset, by name")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lakehouse-bench/mongo_read"))
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/)")
    add_wait_options(parser)
    return parser


def _documents(count: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1)
    return [
        {
            "_id": n, "guest_id": n, "full_name": f"Guest {n}",
            "country": ("PT", "FR", "DE")[n % 3],
            "loyalty": {"tier": ("silver", "gold")[n % 2], "points": 10 * n},
            "preferences": ["late_checkout", "high_floor"][: 1 + n % 2],
            "updated_at": start + timedelta(seconds=n), "active": True,
        }
        for n in range(count)
    ]  # fmt: skip


def main() -> None:
    args = _parser().parse_args()
    conf = args.work / "conf"
    (conf / "sources").mkdir(parents=True, exist_ok=True)
    for name in ("project.yml", "access.yml"):
        (conf / name).write_text((CONF / name).read_text())
    (conf / "sources" / "guest_profiles.yml").write_text(SOURCE)
    config = load_config(conf).source("guest_profiles")
    mongo: LocalMongo = start_mongo()
    os.environ[SECRET] = mongo.uri
    try:
        started = time.perf_counter()
        documents = _documents(args.documents)
        for first in range(0, len(documents), 10_000):
            mongo.insert("bench", "profiles", documents[first : first + 10_000])
        print(f"inserted {len(documents)} documents in {time.perf_counter() - started:.1f}s")
        local = load_config(conf).project.local
        spark = local_session(Settings(args.work, args.work / "landing", conf), local)
        register_mongo(spark)
        variants = _variants(spark, config, mongo.uri, args.work)
        if args.variants:
            variants = {k: v for k, v in variants.items() if k in args.variants}
        times: dict[str, list[float]] = {name: [] for name in variants}
        for repeat in range(args.repeats):
            for name, variant in variants.items():
                wait_until_quiet(args.quiet, args.quiet_wait)
                began = time.perf_counter()
                count = variant()
                seconds = time.perf_counter() - began
                assert count == args.documents, (name, count)
                times[name].append(seconds)
                print(f"  {repeat + 1}/{args.repeats} {name:8} {seconds:6.2f}s", flush=True)
    finally:
        stop_session()
        mongo.stop()
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians.get("pymongo")
    summary = "\n".join(
        f"{name:8} {m:6.2f}s median  {args.documents / m:10,.0f} documents/s"
        + (f"  {m / floor:4.2f}x" if floor else "")
        for name, m in medians.items()
    )
    print(summary)
    save(args.out, "mongo_read", {"documents": args.documents, "times": times}, summary)


def _variants(spark: Any, config: Any, uri: str, work: Path) -> dict[str, Callable[[], int]]:
    from pipelines.sources.mongodb import mongo_request

    request = mongo_request(config)
    columns = [c.name for c in config.columns]
    platform = platform_for("local")

    def floor() -> int:
        return len(list(read_documents(request, uri)))

    def rows() -> int:
        return len([document_row(columns, d, "w") for d in read_documents(request, uri)])

    def through_spark() -> int:
        # The data source has no column pruning: a count reads and ships every row whole.
        return int(read_mongo(spark, config, platform).count())

    split = config.model_copy(update={"source": config.source.model_copy(update={"partitions": 2})})

    def through_spark_split() -> int:
        return int(read_mongo(spark, split, platform).count())

    def streamed(partitions: int) -> Callable[[], int]:
        source = config.source.model_copy(update={"mode": "stream", "partitions": partitions})
        stream = config.model_copy(update={"source": source})

        def run() -> int:
            checkpoint = tempfile.mkdtemp(dir=work, prefix="checkpoint-")
            query = (
                read_mongo(spark, stream, platform).writeStream.format("noop")
                .trigger(availableNow=True).option("checkpointLocation", checkpoint).start()
            )  # fmt: skip
            query.awaitTermination()
            return sum(int(getattr(p, "numInputRows", 0)) for p in query.recentProgress)

        return run

    return {
        "pymongo": floor, "rows": rows, "spark": through_spark, "spark_2": through_spark_split,
        "stream": streamed(1), "stream_2": streamed(2),
    }  # fmt: skip


if __name__ == "__main__":
    main()
